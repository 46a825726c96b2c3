// Messages, rows and events of the reference refund pipeline (seeds/000).

export type RefundStatus = 'PENDING' | 'DISBURSED' | 'REJECTED' | 'DEAD_LETTERED';
export type Outcome = 'DISBURSED' | 'FAILED';

export const TOPIC_REQUESTED = 'refund-requested';
export const TOPIC_OUTCOMES = 'refund-outcomes';
export const TOPIC_DLQ = 'refund-dlq';

/** Client → RMS. `key` is the idempotency key; a retry carries the same one. */
export interface RefundRequest {
  readonly type: 'refund-request';
  readonly key: string;
  readonly refundType: number;
  /** Whole currency units; <= 0 is invalid. */
  readonly amount: number;
  /** The payee account as the client sent it; '' is invalid. */
  readonly account: string;
  /** Intended (open-loop) arrival time of the first attempt, virtual ms. */
  readonly requestedAt: number;
  readonly replyTo: number;
}

export interface RefundResponse {
  readonly type: 'refund-response';
  readonly key: string;
  readonly status: RefundStatus;
}

/** RMS table `refunds`, keyed by refundId. */
export interface RefundRow {
  readonly key: string;
  readonly refundType: number;
  readonly amount: number;
  readonly status: RefundStatus;
  readonly requestedAt: number;
  readonly reason?: string;
}

/**
 * A refund row with a new status. Rows are built field by field, never by object
 * spread: a spread copy becomes a dictionary-mode object of ~400 bytes instead of
 * ~130, which at millions of refunds is most of the simulator's memory.
 */
export function refundWithStatus(row: RefundRow, status: RefundStatus, reason: string | undefined): RefundRow {
  return { key: row.key, refundType: row.refundType, amount: row.amount, status, requestedAt: row.requestedAt, reason };
}

/** Outbox rows and the `refund-requested` record value. */
export interface RefundEvent {
  readonly refundId: string;
  readonly refundType: number;
  readonly amount: number;
  readonly account: string;
  readonly requestedAt: number;
}

/** DS table `ledger`, keyed by refundId: the disbursement itself (money moves with this row). */
export interface LedgerRow {
  readonly refundId: string;
  readonly status: Outcome;
  readonly amount: number;
  readonly refundType: number;
  readonly lock: string;
  readonly token: number;
  readonly reason?: string;
}

/** The `refund-outcomes` record value (and the DLQ's, with a reason). */
export interface OutcomeEvent {
  readonly refundId: string;
  readonly outcome: Outcome;
  readonly refundType: number;
  readonly amount: number;
  readonly requestedAt: number;
  readonly reason?: string;
}

/** CS table `documents`: exactly one per disbursed refund. */
export interface DocumentRow {
  readonly refundId: string;
  readonly amount: number;
  readonly requestedAt: number;
}

export const lockNameFor = (refundType: number | string) => `refund-type-${refundType}`;
