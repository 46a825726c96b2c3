// What every refund design shares: the client and its log, the observer and the
// checks over the same stores (rms, ds, cs, lock-service) and dead-letter topic, the
// summary and the counters the timeline samples. A design adds its own services.
import type { Simulation } from '../runtime/sim/kernel.js';
import type { Metrics } from '../runtime/sim/metrics.js';
import { DocumentTable, LedgerTable, RefundTable, refundNumber } from '../actors/refunds/tables.js';
import type { RefundConfig } from '../actors/refunds/config.js';
import { TOPIC_DLQ, type LedgerRow, type RefundRow, type RefundStatus } from '../actors/refunds/model.js';
import { clientBehaviour, type ClientLog } from '../actors/refunds/client.js';
import { RefundObserver } from '../checks/refund-observer.js';
import { checkRefundInvariants } from '../checks/refund-invariants.js';
import type { InvariantResult } from '../checks/types.js';

/** The client edge: answers and latency; answered keys are kept as a bitset by request index. */
export class RefundClientLog implements ClientLog {
  answered: Uint8Array;
  accepted = 0;
  rejected = 0;
  gaveUpCount = 0;

  constructor(refunds: number, private readonly sim: { readonly metrics: Metrics }) {
    this.answered = new Uint8Array(refunds + 1);
  }

  responded(index: number, status: RefundStatus, latencyMs: number): void {
    if (this.answered[index] !== 0) return;
    this.answered[index] = 1;
    if (status === 'REJECTED') this.rejected++;
    else this.accepted++;
    this.sim.metrics.record('rmsResponse', latencyMs);
  }

  /** A request never answered still counts in response time: the caller waited that long for nothing. */
  gaveUp(index: number, waitedMs: number): void {
    if (this.answered[index] !== 0) return;
    this.gaveUpCount++;
    this.sim.metrics.record('rmsResponse', waitedMs);
  }

  /** At the end of the run, requests still waiting count with the time they have waited. */
  closeOutstanding(outstanding: Iterable<{ index: number; request: { requestedAt: number } }>, nowMs: number): void {
    for (const o of outstanding) if (this.answered[o.index] === 0) this.sim.metrics.record('rmsResponse', nowMs - o.request.requestedAt);
  }

  /** Retry keys that stand for another request's key (only a buggy client makes them). */
  readonly aliases = new Map<string, string>();

  aliased(key: string, originalKey: string): void {
    this.aliases.set(key, originalKey);
  }

}

export const STORES = { rms: 'rms', ds: 'ds', cs: 'cs', locks: 'lock-service' } as const;

/** The three tables with a row per refund, as dense tables (call once the design's actors are added). */
export function useRefundTables(sim: Simulation): void {
  sim.store(STORES.rms).useTable('refunds', new RefundTable());
  sim.store(STORES.ds).useTable('ledger', new LedgerTable());
  sim.store(STORES.cs).useTable('documents', new DocumentTable());
}

/** The request index of a client key `rf-<n>` (-1 for anything else), without allocating. */
export const refundIndexOf = (key: string): number => refundNumber(key);

/** refundIds a message of this pipeline concerns (for a key's trace). */
export function refundKeysOf(msg: unknown): readonly string[] {
  const m = msg as { type?: string; key?: string; items?: { refundId: string }[]; records?: { key: string }[] };
  if (m.records !== undefined) return m.records.map((r) => r.key);
  if (m.items !== undefined) return m.items.map((i) => i.refundId);
  if (typeof m.key === 'string') return [m.key];
  return [];
}

export interface RefundHarness {
  readonly log: RefundClientLog;
  readonly observer: RefundObserver;
  loadDone(): boolean;
  loadProgress(): number;
  offered(): number;
  check(): InvariantResult[];
  summary(): Record<string, unknown>;
}

/** Adds the dead-letter topic and the client; call before the design's own actors. */
export function refundHarness(sim: Simulation, cfg: RefundConfig): RefundHarness {
  // The checks read every dead letter: no retention here.
  sim.addTopic({ name: TOPIC_DLQ, partitions: 1, retainAll: true });
  const log = new RefundClientLog(cfg.refunds, sim);
  const observer = new RefundObserver(sim.metrics, STORES);
  sim.onCommit((store, writes, t) => observer.onCommit(store, writes, t));
  const client = sim.addActor({ name: 'client', behaviour: clientBehaviour(cfg, log), workers: 1_000_000, store: '$client' });
  const next = () => (client.state as { next: number }).next;
  return {
    log,
    observer,
    loadDone: () => next() > cfg.refunds,
    loadProgress: () => Math.min(1, (next() - 1) / Math.max(1, cfg.refunds)),
    offered: () => next() - 1,
    check: () => {
      log.closeOutstanding((client.state as { outstanding: Map<number, { index: number; request: { requestedAt: number } }> }).outstanding.values(), sim.nowMs);
      return checkRefundInvariants({
        rms: sim.store(STORES.rms), ds: sim.store(STORES.ds), cs: sim.store(STORES.cs),
        dlq: sim.topic(TOPIC_DLQ).logs, observer,
        answered: (i) => log.answered[i] !== 0, requests: cfg.refunds, indexOfKey: refundIndexOf,
        logicalKeyOf: (k) => log.aliases.get(k) ?? k, fundsPerType: cfg.fundsPerType,
      });
    },
    summary: () => refundSummary({
      requested: cfg.refunds, log, observer,
      refunds: sim.store(STORES.rms).table('refunds') as Map<string, RefundRow>,
      ledger: sim.store(STORES.ds).table('ledger') as Map<string, LedgerRow>,
      duplicatesSuppressed: sim.metrics.counter('duplicatesSuppressed'),
      dlq: sim.topic(TOPIC_DLQ).logs.reduce((n, p) => n + p.appended, 0),
    }),
  };
}

/** The run result's refund metrics, from the final tables and what was observed (simulator and live alike). */
export function refundSummary(w: {
  requested: number; log: RefundClientLog; observer: RefundObserver;
  refunds: ReadonlyMap<unknown, RefundRow>; ledger: ReadonlyMap<unknown, LedgerRow>;
  duplicatesSuppressed: number; dlq: number;
}): Record<string, unknown> {
  const counts: Record<RefundStatus, number> = { PENDING: 0, DISBURSED: 0, REJECTED: 0, DEAD_LETTERED: 0 };
  for (const row of w.refunds.values()) counts[row.status]++;
  let failed = 0;
  let disbursedRefunds = 0;
  for (const l of w.ledger.values()) {
    if (l.status === 'FAILED') failed++;
    else disbursedRefunds++;
  }
  return {
    refunds: {
      requested: w.requested, accepted: w.log.accepted, rejected: counts.REJECTED, disbursed: counts.DISBURSED,
      deadLettered: counts.DEAD_LETTERED, pending: counts.PENDING, clientGaveUp: w.log.gaveUpCount, ledgerFailed: failed,
    },
    documents: w.observer.documentsWritten,
    lockAcquisitions: w.observer.lockGrants,
    lockAcquisitionsPerRefund: disbursedRefunds > 0 ? w.observer.lockGrants / disbursedRefunds : 0,
    duplicatesSuppressed: w.duplicatesSuppressed,
    dlq: w.dlq,
    completedRefunds: counts.DISBURSED + counts.REJECTED + counts.DEAD_LETTERED,
  };
}
