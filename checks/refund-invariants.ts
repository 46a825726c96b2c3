// The six invariants of DESIGN.md over what the runtime observed: the commits seen as
// they happened (RefundObserver) and, after the drain, the durable state of RMS, DS
// and CS, the DLQ topic's log and what the client was told.
import type { SimStore } from '../runtime/sim/store.js';
import type { PartitionLog } from '../actors/kafka/partition-log.js';
import type { DocumentRow, LedgerRow, OutcomeEvent, RefundRow } from '../actors/refunds/model.js';
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

  // Documents per refundId without a map over all of them: a document keyed by its
  // refundId counts one; only documents stored under other keys are tallied apart.
  const extraDocs = new Map<string, number>();
  for (const [k, d] of documents) if (k !== d.refundId) extraDocs.set(d.refundId, (extraDocs.get(d.refundId) ?? 0) + 1);
  const docCount = extraDocs.size === 0
    ? (id: string) => (documents.get(id)?.refundId === id ? 1 : 0)
    : (id: string) => (documents.get(id)?.refundId === id ? 1 : 0) + (extraDocs.get(id) ?? 0);

  const dead = new Set<string>();
  for (const p of w.dlq) for (const r of p.all()) dead.add((r.value as OutcomeEvent).refundId);

  // 1. no double effect (double disbursements were seen as they committed) + money conserved
  const double = w.observer.doubleEffect;
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

  // 2. no lost refund
  const lost = new ViolationLog('no-lost-refund', INVARIANTS.noLostRefund);
  // Walk the rows once, marking which requests have one, rather than building a key per request.
  const hasRow = new Uint8Array(w.requests + 1);
  for (const row of refunds.values()) {
    const i = w.indexOfKey(row.key);
    if (i >= 0 && i <= w.requests) hasRow[i] = 1;
  }
  for (let i = 1; i <= w.requests; i++) {
    if (w.answered(i) && hasRow[i] === 0) lost.add(`request #${i}`, 'the client was answered but RMS has no refund for its key');
  }
  for (const [id, row] of refunds) {
    switch (row.status) {
      case 'PENDING':
        lost.add(id, 'still PENDING after the drain');
        break;
      case 'DISBURSED': {
        const n = docCount(id);
        if (n !== 1) lost.add(id, `DISBURSED with ${n} documents`);
        break;
      }
      case 'DEAD_LETTERED':
        if (row.reason === undefined || row.reason === '') lost.add(id, 'DEAD_LETTERED without a reason');
        else if (!dead.has(id)) lost.add(id, 'DEAD_LETTERED but not on the dead-letter queue');
        break;
      case 'REJECTED':
        break;
    }
  }

  // 3. no mismatch: documents <-> disbursements
  const mismatch = new ViolationLog('no-mismatch', INVARIANTS.noMismatch);
  for (const d of documents.values()) {
    if (ledger.get(d.refundId)?.status !== 'DISBURSED') mismatch.add(d.refundId, 'a document for a refund that was not disbursed');
  }
  for (const [id, l] of ledger) {
    if (l.status === 'DISBURSED' && docCount(id) === 0) mismatch.add(id, 'disbursed but no document');
  }

  // 4. status agrees with the ledger (forward-only moves were checked as they committed)
  const status = w.observer.status;
  for (const [id, row] of refunds) {
    const l = ledger.get(id);
    if (row.status === 'DISBURSED' && l?.status !== 'DISBURSED') status.add(id, `status DISBURSED, ledger ${l?.status ?? 'empty'}`);
    if (row.status === 'DEAD_LETTERED' && l?.status !== 'FAILED') status.add(id, `status DEAD_LETTERED, ledger ${l?.status ?? 'empty'}`);
    if (row.status === 'REJECTED' && l !== undefined) status.add(id, `status REJECTED, ledger ${l.status}`);
  }
  for (const [id, l] of ledger) {
    const row = refunds.get(id);
    if (row !== undefined && l.amount !== row.amount) double.add(id, `ledger amount ${l.amount} differs from the refund's ${row.amount}`);
    if (row === undefined) status.add(id, `ledger ${l.status} for a refund RMS does not have`);
    else if (l.status === 'DISBURSED' && row.status !== 'DISBURSED') status.add(id, `ledger DISBURSED, status ${row.status}`);
  }

  // 5. one refund per logical request
  const intake = new ViolationLog('idempotent-intake', INVARIANTS.idempotentIntake);
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
