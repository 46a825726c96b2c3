// The reference scenario: the event-driven refund pipeline of seeds/000 with the
// seed's defaults. Topology: client -> RMS (+ outbox relay) -> refund-requested ->
// batcher -> DS (+ lock service) -> refund-outcomes -> CS and RMS; failures -> refund-dlq.
import { z } from 'zod';
import type { Simulation } from '../runtime/sim/kernel.js';
import { REFUND_CONSUMERS } from './refund-consumers.js';
import { exponentialMs, itemCount, perItemMs } from '../runtime/sim/service-time.js';
import { REFUND_DEFAULTS, type RefundConfig } from '../actors/refunds/config.js';
import { VARIANTS, isVariant } from '../actors/refunds/variants.js';
import { arrivalProfileSchema } from '../actors/refunds/arrivals.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED } from '../actors/refunds/model.js';
import { rmsBehaviour } from '../actors/refunds/rms.js';
import { outboxRelayBehaviour } from '../actors/refunds/outbox-relay.js';
import { batcherBehaviour } from '../actors/refunds/batcher.js';
import { dsBehaviour } from '../actors/refunds/ds.js';
import { lockServiceBehaviour } from '../actors/refunds/lock-service.js';
import { csBehaviour } from '../actors/refunds/cs.js';
import { SeqMap } from '../runtime/sim/seq-map.js';
import { STORES, refundHarness, refundKeysOf, useRefundTables } from './refund-harness.js';
import { ScenarioError, type BuiltScenario, type Scenario } from './types.js';
import { REFUND_FAULT_PRESETS } from './refund-faults.js';
import { refundCheckSpace } from './refund-check.js';
import { refundsLiveTopology } from './refunds-live.js';

const positiveInt = z.number().int().positive();
const share = z.number().min(0).max(1);
const ms = z.number().positive();

/** Validates overrides; every field is optional, unknown fields are errors. */
export const refundOverridesSchema = z.strictObject({
  refunds: z.number().int().min(0),
  ratePerSec: z.number().positive(),
  arrival: arrivalProfileSchema,
  refundTypes: positiveInt,
  amountMin: positiveInt,
  amountMax: positiveInt,
  invalidRate: share,
  clientRetryRate: share,
  clientRetryDelayMsMax: ms,
  clientTimeoutMs: ms,
  clientAttemptsMax: positiveInt,
  closedAccountRate: share,
  transferFailureRate: share,
  transferAttemptsMax: positiveInt,
  partitions: positiveInt,
  batchSizeMax: positiveInt,
  batchMaxWaitMs: ms,
  batchTimeoutMs: ms,
  leaseMs: ms,
  lockAcquireTimeoutMs: ms,
  // Whole units below 2^53, so every sum of amounts stays exact in a double.
  fundsPerType: z.number().int().positive().max(1e15),
  relayPollMs: ms,
  relayBatchMax: positiveInt,
  variant: z.string().refine(isVariant, { message: `unknown variant; one of: ${Object.keys(VARIANTS).join(', ')}` }),
}).partial();

export function refundParams(overrides: Readonly<Record<string, unknown>>): RefundConfig {
  const parsed = refundOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScenarioError(`bad parameter "${issue.path.join('.') || '?'}": ${issue.message}`);
  }
  const cfg = { ...REFUND_DEFAULTS, ...parsed.data } as RefundConfig;
  if (cfg.amountMin > cfg.amountMax) throw new ScenarioError(`amountMin (${cfg.amountMin}) is above amountMax (${cfg.amountMax})`);
  return cfg;
}

export function buildRefunds(sim: Simulation, cfg: RefundConfig): BuiltScenario {
  sim.addTopic({ name: TOPIC_REQUESTED, partitions: cfg.partitions });
  sim.addTopic({ name: TOPIC_OUTCOMES, partitions: cfg.partitions });
  const h = refundHarness(sim, cfg);

  sim.addActor({
    name: 'rms', store: STORES.rms, behaviour: rmsBehaviour(cfg), workers: 32,
    serviceTime: (msg, rng) => ((msg as { type: string }).type === '$records' ? 0.2 + 0.01 * itemCount(msg) : rng.exp(2)),
    consumes: REFUND_CONSUMERS.rms,
  });
  sim.addActor({ name: 'outbox-relay', store: STORES.rms, behaviour: outboxRelayBehaviour(cfg), serviceTime: perItemMs(0.2, 0, itemCount) });
  sim.addActor({
    name: 'batcher', behaviour: batcherBehaviour(cfg), workers: 1, serviceTime: perItemMs(0.1, 0.002, itemCount),
    consumes: REFUND_CONSUMERS.batcher,
  });
  sim.addActor({ name: 'ds', store: STORES.ds, behaviour: dsBehaviour(cfg), workers: 4, serviceTime: perItemMs(5, 0.05, itemCount) });
  sim.addActor({ name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(cfg.leaseMs), serviceTime: exponentialMs(0.2) });
  sim.addActor({
    name: 'cs', store: STORES.cs, behaviour: csBehaviour(cfg), workers: 4, serviceTime: perItemMs(0.5, 0.02, itemCount),
    consumes: REFUND_CONSUMERS.cs,
  });
  useRefundTables(sim);
  // Written at the end, deleted from the front: a queue, kept as one (runtime/sim/seq-map.ts).
  sim.store(STORES.rms).useTable('outbox', new SeqMap());

  return {
    loadDone: h.loadDone,
    loadProgress: h.loadProgress,
    // Quiet for longer than the longest retry timer (the client's sweep retries up to 1.5
    // timeouts after a send; a member is re-admitted within a heartbeat), plus time to act on it.
    quietMs: Math.max(cfg.batchTimeoutMs, cfg.lockAcquireTimeoutMs, 1.5 * cfg.clientTimeoutMs, sim.kafka.sessionTimeoutMs + sim.kafka.heartbeatIntervalMs) + 1_000,
    drainDeadlineMs: 600_000,
    check: h.check,
    summary: h.summary,
    keysOf: refundKeysOf,
    sample: () => {
      let lag = 0;
      for (const [topic, groups] of [[TOPIC_REQUESTED, ['batcher']], [TOPIC_OUTCOMES, ['cs', 'rms-status']]] as const) {
        const logs = sim.topic(topic).logs;
        for (const g of groups) for (const log of logs) lag += log.end - sim.committedOffset(g, topic, log.partition);
      }
      return { offered: h.offered(), completed: h.observer.completed, deadLettered: h.observer.deadLettered, lag };
    },
  };
}

export const refundsScenario: Scenario<RefundConfig> = {
  name: 'refunds',
  description: 'event-driven refund pipeline (seeds/000): RMS + outbox -> Kafka -> batcher -> DS (lock per batch) -> CS documents, RMS statuses, DLQ',
  params: refundParams,
  build: buildRefunds,
  faultPresets: REFUND_FAULT_PRESETS,
  check: refundCheckSpace,
  live: refundsLiveTopology,
};
