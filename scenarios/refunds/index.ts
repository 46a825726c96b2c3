// The reference scenario: the event-driven refund pipeline of seeds/000 with the seed's
// defaults, on the kit. Topology: client (load generator) -> RMS (refund + outbox event in
// one transaction) -> outbox relay -> refund-requested -> batcher (micro-batches per
// refund type) -> DS (one lease lock per batch, ledger, budget) -> refund-outcomes -> CS
// (one document per disbursed refund) and RMS (final status); failures -> refund-dlq.
import fc from 'fast-check';
import { defineScenario, type Topology } from '../../harness/scenario.js';
import { outbox } from '../../actors/outbox.js';
import { batcher } from '../../actors/batcher.js';
import { lockServiceBehaviour } from '../../actors/lease-lock.js';
import { exponentialMs, itemCount, perItemMs } from '../../runtime/sim/service-time.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED, type RefundEvent } from './model.js';
import { REFUND_LOAD, refundParamsShape, type RefundParams } from './params.js';
import { rmsBehaviour } from './rms.js';
import { dsBehaviour } from './ds.js';
import { csBehaviour } from './cs.js';
import { commitOnRead, releaseOnTimeout } from './variants.js';
import { STORES } from './invariants.js';
import { REFUND_COMMON, REFUND_CONSUMERS, refundTables, refundClient } from './common.js';
import { REFUND_FAULT_PRESETS } from './presets.js';
import { REFUND_CLAIMS } from './claims.js';

export function refundTopology(p: RefundParams): Topology {
  const box = outbox({ pollMs: p.relayPollMs, batchMax: p.relayBatchMax });
  const batching = batcher<RefundEvent>({ target: 'ds', groupOf: (e) => e.refundType, sizeMax: p.batchSizeMax, maxWaitMs: p.batchMaxWaitMs, timeoutMs: p.batchTimeoutMs });
  return {
    topics: [
      { name: TOPIC_REQUESTED, partitions: p.partitions },
      { name: TOPIC_OUTCOMES, partitions: p.partitions },
      // The checks read every dead letter: no retention here.
      { name: TOPIC_DLQ, partitions: 1, retainAll: true },
    ],
    actors: [
      { name: 'client', behaviour: refundClient(p) },
      {
        name: 'rms', store: STORES.rms, behaviour: rmsBehaviour(p, box), workers: 32, consumes: REFUND_CONSUMERS.rms,
        serviceTime: (msg, rng) => ((msg as { type: string }).type === '$records' ? 0.2 + 0.01 * itemCount(msg) : rng.exp(2)),
      },
      {
        name: 'outbox-relay', store: STORES.rms, behaviour: box.relay, serviceTime: perItemMs(0.2, 0, itemCount),
        acks: p.variant === 'relay-acks-one' ? 1 : 'all',
      },
      {
        name: 'batcher', behaviour: p.variant === 'commit-before-effect' ? commitOnRead(batching) : p.variant === 'batcher-releases-on-timeout' ? releaseOnTimeout(batching) : batching, workers: 1,
        serviceTime: perItemMs(0.1, 0.002, itemCount), consumes: REFUND_CONSUMERS.batcher, place: 'worker',
      },
      { name: 'ds', store: STORES.ds, behaviour: dsBehaviour(p), workers: 4, serviceTime: perItemMs(5, 0.05, itemCount), place: 'worker' },
      { name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(p.leaseMs), serviceTime: exponentialMs(0.2) },
      { name: 'cs', store: STORES.cs, behaviour: csBehaviour(p), workers: 4, serviceTime: perItemMs(0.5, 0.02, itemCount), consumes: REFUND_CONSUMERS.cs, place: 'worker' },
    ],
    tables: refundTables(p.count),
  };
}

export default defineScenario({
  name: 'refunds',
  description: 'event-driven refund pipeline (seeds/000): RMS + outbox -> Kafka -> batcher -> DS (lock per batch) -> CS documents, RMS statuses, DLQ',
  params: refundParamsShape,
  load: REFUND_LOAD,
  topology: refundTopology,
  ...REFUND_COMMON,
  presets: () => REFUND_FAULT_PRESETS,
  check: {
    // 200 refunds over most of the fault horizon, short timeouts: a run is about a second of load and a few of drain.
    params: { count: 200, ratePerSec: 250, batchMaxWaitMs: 300, batchTimeoutMs: 3_000, lockAcquireTimeoutMs: 3_000, clientTimeoutMs: 2_000, duplicateDelayMsMax: 500, relayPollMs: 10 },
    // Workload shapes that matter to the bugs hunted: one refund type or many, small or large
    // batches, leases from far shorter than a batch's work (they lapse under load) to the default.
    workload: fc.record({
      batchSizeMax: fc.constantFrom(10, 50, 200, 500),
      refundTypes: fc.integer({ min: 1, max: 8 }),
      leaseMs: fc.constantFrom(20, 50, 200, 1_000, 10_000),
    }),
  },
  claims: REFUND_CLAIMS,
});
