// The refund pipeline on a real broker and database: the same behaviours as the
// simulated scenario, placed in processes. The client (open-loop load generator) runs
// in the coordinator and reaches RMS through its HTTP endpoint; RMS with its outbox
// relay and the lock service are one of a kind (coordinator); the batcher, DS and CS
// run in every worker process and share partitions through their consumer groups.
// The checks are the simulator's, over what PostgreSQL and the topics hold.
import type { RefundConfig } from '../actors/refunds/config.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED, type LedgerRow, type RefundRow } from '../actors/refunds/model.js';
import { clientBehaviour } from '../actors/refunds/client.js';
import { rmsBehaviour } from '../actors/refunds/rms.js';
import { outboxRelayBehaviour } from '../actors/refunds/outbox-relay.js';
import { batcherBehaviour } from '../actors/refunds/batcher.js';
import { dsBehaviour } from '../actors/refunds/ds.js';
import { lockServiceBehaviour } from '../actors/refunds/lock-service.js';
import { csBehaviour } from '../actors/refunds/cs.js';
import { RefundObserver } from '../checks/refund-observer.js';
import { checkRefundInvariants } from '../checks/refund-invariants.js';
import type { LiveTopology, LiveWorld } from '../runtime/live/topology.js';
import { Metrics } from '../runtime/sim/metrics.js';
import { REFUND_CONSUMERS } from './refund-consumers.js';
import { RefundClientLog, STORES, refundIndexOf, refundSummary } from './refund-harness.js';

interface ClientState {
  next: number;
  outstanding: Map<number, { index: number; request: { requestedAt: number } }>;
}

export function refundsLiveTopology(cfg: RefundConfig): LiveTopology {
  // The client log records into the coordinator's metrics, which the runtime hands over at check time.
  const sink = { metrics: new Metrics() };
  const log = new RefundClientLog(cfg.refunds, sink);
  let observer: RefundObserver | undefined;

  /** The observer sees every committed transaction again, in commit order, from the journal. */
  const observe = async (world: LiveWorld) => {
    if (observer !== undefined) return observer;
    const o = new RefundObserver(world.metrics, STORES);
    for (const j of await world.journal(Object.values(STORES))) o.onCommit(j.store, j.writes, j.atMs);
    observer = o;
    return o;
  };

  return {
    topics: [
      { name: TOPIC_REQUESTED, partitions: cfg.partitions },
      { name: TOPIC_OUTCOMES, partitions: cfg.partitions },
      { name: TOPIC_DLQ, partitions: 1, retainAll: true },
    ],
    actors: [
      { name: 'client', behaviour: clientBehaviour(cfg, log), place: 'edge' },
      { name: 'rms', store: STORES.rms, behaviour: rmsBehaviour(cfg), consumes: REFUND_CONSUMERS.rms, place: 'api', http: true },
      { name: 'outbox-relay', store: STORES.rms, behaviour: outboxRelayBehaviour(cfg), place: 'api' },
      { name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(cfg.leaseMs), place: 'api' },
      { name: 'batcher', behaviour: batcherBehaviour(cfg), consumes: REFUND_CONSUMERS.batcher, place: 'worker' },
      { name: 'ds', store: STORES.ds, behaviour: dsBehaviour(cfg), place: 'worker' },
      { name: 'cs', store: STORES.cs, behaviour: csBehaviour(cfg), consumes: REFUND_CONSUMERS.cs, place: 'worker' },
    ],
    loadGenerator: 'client',
    loadDone: (state) => {
      const s = state as ClientState;
      return s.next > cfg.refunds && s.outstanding.size === 0;
    },
    requestTimeoutMs: cfg.clientTimeoutMs,
    plannedLoadMs: (cfg.refunds / cfg.ratePerSec) * 1000,
    async settled(world) {
      const rms = await world.loadStore(STORES.rms);
      if ((rms.table('outbox') as Map<unknown, unknown>).size > 0) return false;
      for (const row of (rms.table('refunds') as Map<string, RefundRow>).values()) if (row.status === 'PENDING') return false;
      return true;
    },
    async sample(world, state) {
      return {
        offered: (state as ClientState).next - 1,
        completed: await world.countRows(STORES.rms, 'refunds', 'status', 'PENDING'),
      };
    },
    async check(world, state) {
      const s = state as ClientState;
      // Requests still unanswered count in response time with how long they waited.
      log.closeOutstanding(s.outstanding.values(), world.nowMs);
      const o = await observe(world);
      return checkRefundInvariants({
        rms: await world.loadStore(STORES.rms), ds: await world.loadStore(STORES.ds), cs: await world.loadStore(STORES.cs),
        dlq: await world.readTopic(TOPIC_DLQ), observer: o,
        answered: (i) => log.answered[i] !== 0, requests: cfg.refunds, indexOfKey: refundIndexOf,
        logicalKeyOf: (k) => log.aliases.get(k) ?? k, fundsPerType: cfg.fundsPerType,
      });
    },
    async summary(world) {
      const dlq = await world.readTopic(TOPIC_DLQ);
      return refundSummary({
        requested: cfg.refunds, log, observer: await observe(world),
        refunds: (await world.loadStore(STORES.rms)).table('refunds') as Map<string, RefundRow>,
        ledger: (await world.loadStore(STORES.ds)).table('ledger') as Map<string, LedgerRow>,
        duplicatesSuppressed: world.metrics.counter('duplicatesSuppressed'),
        dlq: dlq.reduce((n, p) => n + p.appended, 0),
      });
    },
    useMetrics: (m) => (sink.metrics = m),
  };
}
