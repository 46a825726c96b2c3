// RMS, refund management: validates a request, stores the refund as PENDING together
// with its outbox event in one transaction, answers "Pending" at once; a retried
// request (same idempotency key) is answered from the stored row and creates nothing.
// It also consumes the outcome events and moves each refund to its final status,
// forward only.
import type { Behaviour, Context, RecordsMessage, RuntimeMessage } from '../../runtime/contract.js';
import type { Outbox } from '../../actors/outbox.js';
import type { RefundParams } from './params.js';
import { TOPIC_DLQ, TOPIC_REQUESTED, refundWithStatus, type OutcomeEvent, type RefundEvent, type RefundRequest, type RefundRow, type RefundStatus } from './model.js';

// No crash point inside intake: the refund row and its outbox event are one
// transaction, so a crash can only fall before it or after it (the kernel's
// before-commit / after-commit boundaries), never between the two writes.
export const RMS_CRASH_POINTS = [] as const;

function rejection(r: RefundRequest): string | undefined {
  if (!(r.amount > 0)) return 'amount must be positive';
  if (r.account === '') return 'no payee account';
  return undefined;
}

export function rmsBehaviour(cfg: RefundParams, outbox: Outbox): Behaviour<null, RefundRequest | RuntimeMessage> {
  const reply = (ctx: Context, r: RefundRequest, status: RefundStatus) =>
    ctx.send(r.replyTo, { type: 'refund-response', key: r.key, status });

  const intake = (r: RefundRequest, ctx: Context) => {
    const store = ctx.store;
    let refundId = r.key;
    if (cfg.variant === 'rms-no-idempotency') {
      const n = (store.get<number>('meta', 'refundSeq') ?? 0) + 1;
      store.put('meta', 'refundSeq', n);
      refundId = `${r.key}~${n}`;
    } else {
      const existing = store.get<RefundRow>('refunds', refundId);
      if (existing !== undefined) {
        ctx.count('rms.retriesAnswered');
        if (cfg.variant === 'rms-retry-resets-status' && existing.status !== 'REJECTED') {
          store.put<RefundRow>('refunds', refundId, refundWithStatus(existing, 'PENDING', undefined));
          reply(ctx, r, 'PENDING');
          return;
        }
        reply(ctx, r, existing.status);
        return;
      }
    }
    const reason = rejection(r);
    if (reason !== undefined) {
      store.put<RefundRow>('refunds', refundId, { key: r.key, refundType: r.refundType, amount: r.amount, status: 'REJECTED', requestedAt: r.requestedAt, reason });
      reply(ctx, r, 'REJECTED');
      return;
    }
    store.put<RefundRow>('refunds', refundId, { key: r.key, refundType: r.refundType, amount: r.amount, status: 'PENDING', requestedAt: r.requestedAt, reason: undefined });
    if (cfg.variant === 'dual-write') {
      // The bug: two systems written in one step with no transaction spanning them.
      ctx.produce(TOPIC_REQUESTED, refundId, { refundId, refundType: r.refundType, amount: r.amount, account: r.account, requestedAt: r.requestedAt } satisfies RefundEvent);
      reply(ctx, r, 'PENDING');
      return;
    }
    outbox.write(ctx, TOPIC_REQUESTED, refundId, { refundId, refundType: r.refundType, amount: r.amount, account: r.account, requestedAt: r.requestedAt } satisfies RefundEvent);
    reply(ctx, r, 'PENDING');
  };

  const outcomes = (m: RecordsMessage, ctx: Context) => {
    const store = ctx.store;
    for (const rec of m.records) {
      const e = rec.value as OutcomeEvent;
      const row = store.get<RefundRow>('refunds', e.refundId);
      if (row === undefined) {
        ctx.count('rms.outcomesForUnknownRefund');
        continue;
      }
      // A dead letter (a DS failure, or an event no stage could process) ends the refund
      // as DEAD_LETTERED with its reason; an outcome ends it as the outcome says.
      const next: RefundStatus = m.topic === TOPIC_DLQ || e.outcome !== 'DISBURSED' ? 'DEAD_LETTERED' : 'DISBURSED';
      if (row.status === 'PENDING') store.put<RefundRow>('refunds', e.refundId, refundWithStatus(row, next, e.reason));
      else ctx.count('duplicatesSuppressed');
    }
    ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
  };

  return {
    init: () => null,
    crashPoints: RMS_CRASH_POINTS,
    receive(state, msg, ctx) {
      if (msg.type === 'refund-request') intake(msg, ctx);
      else if (msg.type === '$records') outcomes(msg, ctx);
      return state;
    },
  };
}
