// Watches every durable commit of the refund pipeline as the runtime performs it and
// checks what can only be seen as it happens: each disbursement (money moving), each
// status transition, each write under a lock. It also measures end-to-end latency at
// the moment a document is committed.
import type { Key } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';
import type { Metrics } from '../runtime/sim/metrics.js';
import type { DocumentRow, LedgerRow, RefundRow, RefundStatus } from '../actors/refunds/model.js';
import type { LockRow } from '../actors/refunds/lock-service.js';
import { ViolationLog } from './types.js';

export const INVARIANTS = {
  noDoubleEffect: 'at most one disbursement per refundId; money is conserved',
  noLostRefund: 'after the drain every accepted refund is DISBURSED with exactly one document, REJECTED, or DEAD_LETTERED with a reason',
  noMismatch: 'documents and disbursements are the same set of refunds',
  statusConsistent: 'status agrees with the ledger and only moves forward',
  idempotentIntake: 'a retried request (same idempotency key) creates one refund',
  fencing: 'no two lock holders write under the same lock (a write never follows a newer holder\'s write)',
} as const;

/** Legal status transitions; anything else is a violation. A new row may start PENDING or REJECTED. */
const FORWARD: Record<RefundStatus, readonly RefundStatus[]> = {
  PENDING: ['DISBURSED', 'DEAD_LETTERED'],
  DISBURSED: [],
  REJECTED: [],
  DEAD_LETTERED: [],
};

export class RefundObserver {
  readonly doubleEffect = new ViolationLog('no-double-effect', INVARIANTS.noDoubleEffect);
  readonly status = new ViolationLog('status-consistent', INVARIANTS.statusConsistent);
  readonly fencing = new ViolationLog('fencing', INVARIANTS.fencing);
  /** Committed DISBURSED ledger writes: each one moved money. */
  disbursements = 0;
  /**
   * Disbursements written under a key other than their refundId, tallied by refundId.
   * A row keyed by its refundId can only disburse twice by being rewritten, which is
   * seen as it happens, so the correct pipeline needs no per-refund memory here.
   */
  readonly disbursedUnderOtherKeys = new Map<string, number>();
  readonly disbursedByType = new Map<number, number>();
  private readonly maxTokenWritten = new Map<string, number>();
  private readonly granted = new Map<string, Set<number>>();
  lockGrants = 0;
  documentsWritten = 0;
  /** Refunds that reached a terminal status (for the timeline's throughput). */
  completed = 0;
  /** Of those, the ones that ended DEAD_LETTERED (a high share means load was shed, not served). */
  deadLettered = 0;

  constructor(private readonly metrics: Metrics, private readonly stores: { rms: string; ds: string; cs: string; locks: string }) {}

  onCommit(store: string, writes: readonly WriteRecord[], tMs: number): void {
    if (store === this.stores.ds) this.onLedger(writes);
    else if (store === this.stores.cs) this.onDocuments(writes, tMs);
    else if (store === this.stores.rms) this.onRefunds(writes);
    else if (store === this.stores.locks) this.onLocks(writes);
  }

  private onLedger(writes: readonly WriteRecord[]): void {
    for (const w of writes) {
      if (w.table !== 'ledger') continue;
      const prevDisbursed = (w.prev as LedgerRow | undefined)?.status === 'DISBURSED';
      if (w.next === undefined) {
        if (prevDisbursed) this.doubleEffect.add(String(w.key), 'the record of a disbursement was deleted from the ledger');
        continue;
      }
      const row = w.next as LedgerRow;
      this.checkFencing(row, w.key);
      if (row.status !== 'DISBURSED') {
        if (prevDisbursed) this.doubleEffect.add(row.refundId, `a disbursement was overwritten with ${row.status}`);
        continue;
      }
      // Every committed DISBURSED ledger write moves money, whatever its key.
      this.disbursements++;
      this.disbursedByType.set(row.refundType, (this.disbursedByType.get(row.refundType) ?? 0) + row.amount);
      if (prevDisbursed) this.doubleEffect.add(row.refundId, `disbursed again (ledger write under ${row.lock} token ${row.token})`);
      else if (w.key !== row.refundId) this.disbursedUnderOtherKeys.set(row.refundId, (this.disbursedUnderOtherKeys.get(row.refundId) ?? 0) + 1);
    }
  }

  private checkFencing(row: LedgerRow, key: Key): void {
    const granted = this.granted.get(row.lock);
    if (granted === undefined || !granted.has(row.token)) {
      this.fencing.add(String(key), `ledger write under ${row.lock} with token ${row.token}, which the lock service never granted`);
      return;
    }
    const max = this.maxTokenWritten.get(row.lock) ?? -1;
    if (row.token < max) {
      this.fencing.add(row.refundId, `ledger write under ${row.lock} with token ${row.token} after a write with token ${max}: two holders wrote`);
    } else this.maxTokenWritten.set(row.lock, row.token);
  }

  private onDocuments(writes: readonly WriteRecord[], tMs: number): void {
    for (const w of writes) {
      if (w.table !== 'documents' || w.next === undefined || w.prev !== undefined) continue;
      this.documentsWritten++;
      this.metrics.record('endToEnd', tMs - (w.next as DocumentRow).requestedAt);
    }
  }

  private onRefunds(writes: readonly WriteRecord[]): void {
    for (const w of writes) {
      if (w.table !== 'refunds' || w.next === undefined) continue;
      const next = (w.next as RefundRow).status;
      if (next !== 'PENDING' && (w.prev === undefined || (w.prev as RefundRow).status === 'PENDING')) {
        this.completed++;
        if (next === 'DEAD_LETTERED') this.deadLettered++;
      }
      if (w.prev === undefined) {
        if (next !== 'PENDING' && next !== 'REJECTED') this.status.add(String(w.key), `created as ${next}`);
        continue;
      }
      const prev = (w.prev as RefundRow).status;
      if (prev !== next && !FORWARD[prev].includes(next)) this.status.add(String(w.key), `status moved backwards or sideways: ${prev} -> ${next}`);
    }
  }

  private onLocks(writes: readonly WriteRecord[]): void {
    for (const w of writes) {
      if (w.table !== 'locks' || w.next === undefined) continue;
      const row = w.next as LockRow;
      if (w.prev !== undefined && (w.prev as LockRow).token === row.token) continue; // a release
      this.lockGrants++;
      let s = this.granted.get(String(w.key));
      if (s === undefined) this.granted.set(String(w.key), (s = new Set()));
      s.add(row.token);
    }
  }
}
