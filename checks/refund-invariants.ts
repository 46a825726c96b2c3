// The six invariants of DESIGN.md over what the runtime observed: the commits seen as
// they happened (RefundObserver) and, after the drain, the durable state of RMS, DS
// and CS, the DLQ topic's log and what the client was told.
//
// At millions of refunds, lookups in the big tables are the cost, so the pairings
// (documents <-> disbursements <-> statuses) are proven by counting plus one lookup
// per row on one side; only when a count disagrees, or something already failed, do
// the checks look every key up to name the offending ones.
import type { SimStore } from '../runtime/sim/store.js';
import type { PartitionLog } from '../runtime/sim/kafka/partition-log.js';
import type { DocumentRow, LedgerRow, OutcomeEvent, RefundRow, RefundStatus } from '../actors/refunds/model.js';
import { INVARIANTS, type RefundObserver } from './refund-observer.js';
import { ViolationLog, type InvariantResult } from './types.js';

export interface RefundWorld {
  readonly rms: SimStore;
  readonly ds: SimStore;
  readonly cs: SimStore;
  readonly dlq: readonly PartitionLog[];
  readonly observer: RefundObserver;
  /** Whether the client was answered (accepted or rejected) for request `index`: it must then exist in RMS. */
  readonly answered: (index: number) => boolean;
  readonly requests: number;
  /** The request index a client key belongs to (-1 if none). */
  readonly indexOfKey: (key: string) => number;
  /** Maps a key the client used for a retry to the key of the logical request it repeats. */
  readonly logicalKeyOf: (key: string) => string;
  readonly fundsPerType: number;
}

export function checkRefundInvariants(w: RefundWorld): InvariantResult[] {
  const refunds = w.rms.table('refunds') as Map<string, RefundRow>;
  const ledger = w.ds.table('ledger') as Map<string, LedgerRow>;
  const documents = w.cs.table('documents') as Map<string, DocumentRow>;
  const double = w.observer.doubleEffect;
  const lost = new ViolationLog('no-lost-refund', INVARIANTS.noLostRefund);
  const mismatch = new ViolationLog('no-mismatch', INVARIANTS.noMismatch);
  const status = w.observer.status;
  const intake = new ViolationLog('idempotent-intake', INVARIANTS.idempotentIntake);

  // 1. no double effect: repeats of a row were seen as they committed; here, rows
  // stored under other keys, and money conservation per refund type.
  for (const [id, n] of w.observer.disbursedUnderOtherKeys) {
    const own = ledger.get(id);
    const total = n + (own !== undefined && own.refundId === id && own.status === 'DISBURSED' ? 1 : 0);
    if (total > 1) double.add(id, `disbursed ${total} times`);
  }
  const budget = w.ds.table('budget') as Map<number, number>;
  const types = new Set<number>([...budget.keys(), ...w.observer.disbursedByType.keys()]);
  for (const type of types) {
    const left = budget.get(type) ?? w.fundsPerType;
    const spent = w.observer.disbursedByType.get(type) ?? 0;
    if (w.fundsPerType - spent !== left) {
      double.add(`refund-type-${type}`, `money not conserved: funds ${w.fundsPerType} - disbursed ${spent} = ${w.fundsPerType - spent}, budget left ${left}`);
    }
    if (left < 0) double.add(`refund-type-${type}`, `budget overdrawn: ${left}`);
  }

  // 3. every document belongs to a disbursement (one lookup per document)
  let documentsById = 0;
  const extraDocs = new Map<string, number>();
  for (const [k, d] of documents) {
    if (k === d.refundId) documentsById++;
    else extraDocs.set(d.refundId, (extraDocs.get(d.refundId) ?? 0) + 1);
    if (ledger.get(d.refundId)?.status !== 'DISBURSED') mismatch.add(d.refundId, 'a document for a refund that was not disbursed');
  }

  // 4. every ledger entry agrees with its refund's status (one lookup per entry)
  let ledgerDisbursed = 0;
  let ledgerFailed = 0;
  for (const [id, l] of ledger) {
    if (l.status === 'DISBURSED') ledgerDisbursed++;
    else ledgerFailed++;
    const row = refunds.get(id);
    if (row === undefined) {
      status.add(id, `ledger ${l.status} for a refund RMS does not have`);
      continue;
    }
    if (l.amount !== row.amount) double.add(id, `ledger amount ${l.amount} differs from the refund's ${row.amount}`);
    // Money moved: DISBURSED. A failed transfer: DEAD_LETTERED. (A refund dead-lettered
    // before DS saw it has no ledger entry at all.)
    const expected: RefundStatus = l.status === 'DISBURSED' ? 'DISBURSED' : 'DEAD_LETTERED';
    if (row.status !== expected && row.status !== 'PENDING') status.add(id, `ledger ${l.status}, status ${row.status}`);
  }

  // 2. every refund is in a terminal state (no lookups: the DLQ is small)
  const dead = new Set<string>();
  for (const p of w.dlq) for (const r of p.all()) dead.add((r.value as OutcomeEvent).refundId);
  const counts: Record<RefundStatus, number> = { PENDING: 0, DISBURSED: 0, REJECTED: 0, DEAD_LETTERED: 0 };
  for (const [id, row] of refunds) {
    counts[row.status]++;
    if (row.status === 'PENDING') lost.add(id, 'still PENDING after the drain');
    else if (row.status === 'DEAD_LETTERED') {
      if (row.reason === undefined || row.reason === '') lost.add(id, 'DEAD_LETTERED without a reason');
      else if (!dead.has(id)) lost.add(id, 'DEAD_LETTERED but not on the dead-letter queue');
    }
  }
  // Every answered request has a row: walk the rows once, marking requests.
  const hasRow = new Uint8Array(w.requests + 1);
  for (const row of refunds.values()) {
    const i = w.indexOfKey(row.key);
    if (i >= 0 && i <= w.requests) hasRow[i] = 1;
  }
  for (let i = 1; i <= w.requests; i++) {
    if (w.answered(i) && hasRow[i] === 0) lost.add(`request #${i}`, 'the client was answered but RMS has no refund for its key');
  }

  // The pairings by counting. Each ledger entry maps to a refund of the matching status
  // (checked above), so equal counts make statuses <-> ledger a bijection; documents
  // keyed by refundId map into disbursements, so an equal count makes them one each.
  const anythingWrong = () => double.count + lost.count + mismatch.count + status.count > 0;
  if (anythingWrong() || counts.DISBURSED !== ledgerDisbursed || counts.DEAD_LETTERED < ledgerFailed) {
    for (const [id, row] of refunds) {
      const l = ledger.get(id);
      if (row.status === 'DISBURSED' && l?.status !== 'DISBURSED') status.add(id, `status DISBURSED, ledger ${l?.status ?? 'empty'}`);
      if (row.status === 'DEAD_LETTERED' && l?.status === 'DISBURSED') status.add(id, 'status DEAD_LETTERED, but the ledger says DISBURSED');
      if (row.status === 'REJECTED' && l !== undefined) status.add(id, `status REJECTED, ledger ${l.status}`);
    }
  }
  if (anythingWrong() || extraDocs.size > 0 || documentsById !== ledgerDisbursed) {
    const docCount = (id: string) => (documents.get(id)?.refundId === id ? 1 : 0) + (extraDocs.get(id) ?? 0);
    for (const [id, row] of refunds) {
      if (row.status !== 'DISBURSED') continue;
      const n = docCount(id);
      if (n !== 1) lost.add(id, `DISBURSED with ${n} documents`);
    }
    for (const [id, l] of ledger) if (l.status === 'DISBURSED' && docCount(id) === 0) mismatch.add(id, 'disbursed but no document');
  }

  // 5. one refund per logical request
  const perLogical = new Map<string, number>();
  for (const [id, row] of refunds) {
    const logical = w.logicalKeyOf(row.key);
    if (id === logical && row.key === logical) continue; // the common case: counted below only if others share it
    perLogical.set(logical, (perLogical.get(logical) ?? 0) + 1);
  }
  for (const [logical, n] of perLogical) {
    const total = n + (refunds.get(logical)?.key === logical ? 1 : 0);
    if (total > 1) intake.add(logical, `${total} refunds for one request`);
  }

  return [double.result(), lost.result(), mismatch.result(), status.result(), intake.result(), w.observer.fencing.result()];
}
