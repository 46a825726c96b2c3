// The six invariants of DESIGN.md for the refund pipeline, as kit declarations: the
// refund entity's lifecycle (status-consistent, no-lost-refund, idempotent-intake), at
// most one disbursement per refund, documents exactly for disbursed refunds, fenced
// ledger writes; and money conservation, the one check of its own (checkers that share
// a name report as one invariant).
import type { EntityDecl } from '../../checks/entity.js';
import { atMostOnce, exactlyOnePer, fencedWrites, sameSets } from '../../checks/effects.js';
import { ViolationLog, type Checker } from '../../checks/types.js';
import type { WriteRecord } from '../../runtime/sim/store.js';
import { TOPIC_DLQ, type DocumentRow, type LedgerRow, type RefundRow } from './model.js';
import type { RefundParams } from './params.js';

export const STORES = { rms: 'rms', ds: 'ds', cs: 'cs', locks: 'lock-service' } as const;

export const INVARIANTS = {
  noDoubleEffect: 'at most one disbursement per refundId; money is conserved',
  noLostRefund: 'after the drain every accepted refund is DISBURSED, REJECTED, or DEAD_LETTERED with a reason (and on the DLQ)',
  noMismatch: 'documents and disbursements are the same set of refunds: one document per disbursed refund, none for any other',
  statusConsistent: 'status agrees with the ledger and only moves forward',
  idempotentIntake: 'a retried request (same idempotency key) creates one refund',
  fencing: 'no two lock holders write under the same lock (a write never follows a newer holder\'s write)',
} as const;

export const REFUND_ENTITY: EntityDecl = {
  name: 'refund',
  store: STORES.rms,
  table: 'refunds',
  status: 'status',
  initial: ['PENDING', 'REJECTED'],
  transitions: { PENDING: ['DISBURSED', 'DEAD_LETTERED'] },
  terminal: { DISBURSED: 'served', REJECTED: 'served', DEAD_LETTERED: 'shed' },
  reason: { field: 'reason', in: ['DEAD_LETTERED'] },
  deadLetter: { topic: TOPIC_DLQ, in: ['DEAD_LETTERED'] },
  requestKey: 'key',
  names: { lifecycle: 'status-consistent', settled: 'no-lost-refund', onePerRequest: 'idempotent-intake' },
};

const disbursed = (r: LedgerRow) => r.status === 'DISBURSED';
const ledger = { store: STORES.ds, table: 'ledger', keyOf: (r: LedgerRow) => r.refundId } as const;

export function refundInvariants(p: Pick<RefundParams, 'fundsPerType'>): Checker[] {
  return [
    atMostOnce({ name: 'no-double-effect', description: INVARIANTS.noDoubleEffect, effects: { ...ledger, where: disbursed, noun: 'disbursement' }, effectPerWrite: true }),
    moneyConserved(p.fundsPerType),
    exactlyOnePer({
      name: 'no-mismatch', description: INVARIANTS.noMismatch,
      effects: { store: STORES.cs, table: 'documents', keyOf: (d: DocumentRow) => d.refundId, noun: 'document' },
      per: { store: STORES.rms, table: 'refunds', where: (r: RefundRow) => r.status === 'DISBURSED', noun: 'disbursed refund' },
    }),
    sameSets({
      name: 'no-mismatch', description: INVARIANTS.noMismatch,
      a: { store: STORES.cs, table: 'documents', keyOf: (d: DocumentRow) => d.refundId, noun: 'document' },
      b: { ...ledger, where: disbursed, noun: 'disbursement' },
    }),
    // Status agrees with the ledger; a refund still PENDING is no-lost-refund's to report.
    sameSets({
      name: 'status-consistent', description: INVARIANTS.statusConsistent, subset: true,
      a: { store: STORES.rms, table: 'refunds', where: (r: RefundRow) => r.status === 'DISBURSED', noun: 'refund with status DISBURSED' },
      b: { ...ledger, where: disbursed, noun: 'disbursement in the ledger' },
    }),
    sameSets({
      name: 'status-consistent', description: INVARIANTS.statusConsistent, subset: true,
      a: { ...ledger, where: disbursed, noun: 'disbursement in the ledger' },
      b: { store: STORES.rms, table: 'refunds', where: (r: RefundRow) => r.status === 'DISBURSED' || r.status === 'PENDING', noun: 'refund with status DISBURSED' },
    }),
    sameSets({
      name: 'status-consistent', description: INVARIANTS.statusConsistent, subset: true,
      a: { ...ledger, where: (r: LedgerRow) => r.status === 'FAILED', noun: 'failed transfer in the ledger' },
      b: { store: STORES.rms, table: 'refunds', where: (r: RefundRow) => r.status === 'DEAD_LETTERED' || r.status === 'PENDING', noun: 'refund with status DEAD_LETTERED' },
    }),
    fencedWrites({
      name: 'fencing', description: INVARIANTS.fencing, lockService: STORES.locks,
      writes: { ...ledger, noun: 'ledger write' }, lockOf: (r: LedgerRow) => r.lock, tokenOf: (r: LedgerRow) => r.token,
    }),
  ];
}

/**
 * Money is conserved per refund type: what the budget says is left equals the funds less
 * every committed disbursement (each committed DISBURSED ledger write moves money, under
 * whatever key), the budget is never overdrawn, and a ledger entry pays what was asked.
 */
function moneyConserved(fundsPerType: number): Checker {
  const log = new ViolationLog('no-double-effect', INVARIANTS.noDoubleEffect);
  const spentByType = new Map<number, number>();
  return {
    name: log.invariant,
    description: log.description,
    stores: [STORES.ds],
    onCommit(store: string, writes: readonly WriteRecord[]) {
      if (store !== STORES.ds) return;
      for (const w of writes) {
        if (w.table !== 'ledger' || w.next === undefined) continue;
        const row = w.next as LedgerRow;
        if (row.status === 'DISBURSED') spentByType.set(row.refundType, (spentByType.get(row.refundType) ?? 0) + row.amount);
      }
    },
    check(o) {
      const budget = o.table<number>(STORES.ds, 'budget');
      for (const type of new Set<number>([...(budget.keys() as Iterable<number>), ...spentByType.keys()])) {
        const left = budget.get(type) ?? fundsPerType;
        const spent = spentByType.get(type) ?? 0;
        if (fundsPerType - spent !== left) log.add(`refund-type-${type}`, `money not conserved: funds ${fundsPerType} - disbursed ${spent} = ${fundsPerType - spent}, budget left ${left}`);
        if (left < 0) log.add(`refund-type-${type}`, `budget overdrawn: ${left}`);
      }
      const refunds = o.table<RefundRow>(STORES.rms, 'refunds');
      for (const [id, l] of o.table<LedgerRow>(STORES.ds, 'ledger')) {
        const row = refunds.get(l.refundId);
        if (row !== undefined && row.amount !== l.amount) log.add(String(id), `ledger amount ${l.amount} differs from the refund's ${row.amount}`);
      }
      return log.result();
    },
  };
}
