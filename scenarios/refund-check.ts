// How `faultline check` explores the refund pipeline: 200 refunds with short timeouts
// (a run is about a second of load and a few seconds of drain), workload shapes that
// matter to the bugs it hunts (one refund type or many, small or large batches,
// leases short enough to lapse), and every target a fault can hit.
import fc from 'fast-check';
import { STEP_CRASH_POINTS } from '../runtime/sim/kernel.js';
import { RMS_CRASH_POINTS } from '../actors/refunds/rms.js';
import { RELAY_CRASH_POINTS } from '../actors/refunds/outbox-relay.js';
import { BATCHER_CRASH_POINTS } from '../actors/refunds/batcher.js';
import { DS_CRASH_POINTS } from '../actors/refunds/ds.js';
import { CS_CRASH_POINTS } from '../actors/refunds/cs.js';
import { TOPIC_OUTCOMES, TOPIC_REQUESTED } from '../actors/refunds/model.js';
import { REFUND_DEFAULTS } from '../actors/refunds/config.js';
import type { CheckSpace } from './types.js';

export const REFUND_CHECK_OVERRIDES = {
  refunds: 200,
  // Load over most of the fault horizon, so faults placed in it meet refunds in flight.
  ratePerSec: 250,
  batchMaxWaitMs: 300,
  batchTimeoutMs: 3_000,
  lockAcquireTimeoutMs: 3_000,
  clientTimeoutMs: 2_000,
  clientRetryDelayMsMax: 500,
  relayPollMs: 10,
} as const;

export function refundCheckSpace(user: Readonly<Record<string, unknown>>): CheckSpace {
  const cfg = { ...REFUND_DEFAULTS, ...REFUND_CHECK_OVERRIDES, ...user };
  const declared: Record<string, readonly string[]> = {
    rms: RMS_CRASH_POINTS, 'outbox-relay': RELAY_CRASH_POINTS, batcher: BATCHER_CRASH_POINTS,
    ds: DS_CRASH_POINTS, 'lock-service': [], cs: CS_CRASH_POINTS,
  };
  const actors = Object.keys(declared);
  return {
    overrides: REFUND_CHECK_OVERRIDES,
    workload: fc.record({
      batchSizeMax: fc.constantFrom(10, 50, 200, 500),
      refundTypes: fc.integer({ min: 1, max: 8 }),
      // From leases far shorter than a batch's work (they lapse under load) to the default.
      leaseMs: fc.constantFrom(20, 50, 200, 1_000, 10_000),
    }),
    // Timeouts scaled to a run of a few seconds, the delivery timeout among them, so an
    // outage inside the horizon can outlast it (as a long broker outage does in production).
    kafka: { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 1_000, requestTimeoutMs: 500, deliveryTimeoutMs: 1_500, fetchMaxWaitMs: 200 },
    faults: {
      actors,
      crashPoints: actors.flatMap((actor) => [...declared[actor], ...STEP_CRASH_POINTS].map((point) => ({ actor, point }))),
      groups: ['batcher', 'cs', 'rms-status'],
      topics: [{ name: TOPIC_REQUESTED, partitions: cfg.partitions }, { name: TOPIC_OUTCOMES, partitions: cfg.partitions }],
      producers: ['rms', 'outbox-relay', 'ds'],
      responses: [
        { to: 'client', messageType: 'refund-response' },
        { to: 'batcher', messageType: 'batch-done' },
        { to: 'ds', messageType: 'granted' },
      ],
      leaseGrants: [{ actor: 'ds', messageType: 'granted' }],
      // Poison where the design dead-letters (before money moves); a poisoned outcome,
      // after it moved, would need a manual fix the seed's design does not automate.
      poisonable: [{ topic: TOPIC_REQUESTED, keys: Array.from({ length: Math.min(cfg.refunds, 200) }, (_, i) => `rf-${i + 1}`) }],
      horizonMs: (cfg.refunds / cfg.ratePerSec) * 1000 + cfg.batchMaxWaitMs + 1_000,
    },
  };
}
