// The reference scenario: the event-driven refund pipeline of seeds/000 with the
// seed's defaults. Topology: client -> RMS (+ outbox relay) -> refund-requested ->
// batcher -> DS (+ lock service) -> refund-outcomes -> CS and RMS; failures -> refund-dlq.
import { z } from 'zod';
import type { Simulation } from '../runtime/sim/kernel.js';
import { exponentialMs, itemCount, perItemMs } from '../runtime/sim/service-time.js';
import { REFUND_DEFAULTS, type RefundConfig } from '../actors/refunds/config.js';
import { VARIANTS, isVariant } from '../actors/refunds/variants.js';
import { arrivalProfileSchema } from '../actors/refunds/arrivals.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED } from '../actors/refunds/model.js';
import { clientBehaviour, type ClientLog } from '../actors/refunds/client.js';
import { rmsBehaviour } from '../actors/refunds/rms.js';
import { outboxRelayBehaviour } from '../actors/refunds/outbox-relay.js';
import { batcherBehaviour } from '../actors/refunds/batcher.js';
import { dsBehaviour } from '../actors/refunds/ds.js';
import { lockServiceBehaviour } from '../actors/refunds/lock-service.js';
import { csBehaviour } from '../actors/refunds/cs.js';
import type { LedgerRow, RefundRow, RefundStatus } from '../actors/refunds/model.js';
import { RefundObserver } from '../checks/refund-observer.js';
import { checkRefundInvariants } from '../checks/refund-invariants.js';
import { ScenarioError, type BuiltScenario, type Scenario } from './types.js';
import { REFUND_FAULT_PRESETS } from './refund-faults.js';
import { refundCheckSpace } from './refund-check.js';

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

/** The client edge: answers and latency; answered keys are kept as a bitset by request index. */
class RefundClientLog implements ClientLog {
  answered: Uint8Array;
  accepted = 0;
  rejected = 0;
  gaveUpCount = 0;

  constructor(refunds: number, private readonly sim: Simulation) {
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

export function buildRefunds(sim: Simulation, cfg: RefundConfig): BuiltScenario {
  sim.addTopic({ name: TOPIC_REQUESTED, partitions: cfg.partitions });
  sim.addTopic({ name: TOPIC_OUTCOMES, partitions: cfg.partitions });
  // The checks read every dead letter, and RMS consumes them: no retention here.
  sim.addTopic({ name: TOPIC_DLQ, partitions: 1, retainAll: true });

  const log = new RefundClientLog(cfg.refunds, sim);
  const observer = new RefundObserver(sim.metrics, STORES);
  sim.onCommit((store, writes, t) => observer.onCommit(store, writes, t));

  sim.addActor({ name: 'client', behaviour: clientBehaviour(cfg, log), workers: 1_000_000, store: '$client' });
  sim.addActor({
    name: 'rms', store: STORES.rms, behaviour: rmsBehaviour(cfg), workers: 32,
    serviceTime: (msg, rng) => ((msg as { type: string }).type === '$records' ? 0.2 + 0.01 * itemCount(msg) : rng.exp(2)),
    consumes: { group: 'rms-status', topics: [TOPIC_OUTCOMES, TOPIC_DLQ], maxPollRecords: 500 },
  });
  sim.addActor({ name: 'outbox-relay', store: STORES.rms, behaviour: outboxRelayBehaviour(cfg), serviceTime: perItemMs(0.2, 0, itemCount) });
  sim.addActor({
    name: 'batcher', behaviour: batcherBehaviour(cfg), workers: 1, serviceTime: perItemMs(0.1, 0.002, itemCount),
    // Spark Streaming: records are read in micro-batches (a 100 ms trigger).
    consumes: {
      group: 'batcher', topics: [TOPIC_REQUESTED], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100,
      deadLetterTopic: TOPIC_DLQ, maxAttempts: 3,
    },
  });
  sim.addActor({ name: 'ds', store: STORES.ds, behaviour: dsBehaviour(cfg), workers: 4, serviceTime: perItemMs(5, 0.05, itemCount) });
  sim.addActor({ name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(cfg.leaseMs), serviceTime: exponentialMs(0.2) });
  sim.addActor({
    name: 'cs', store: STORES.cs, behaviour: csBehaviour(cfg), workers: 4, serviceTime: perItemMs(0.5, 0.02, itemCount),
    // Flink: network buffers flush when full or after the 100 ms buffer timeout.
    consumes: { group: 'cs', topics: [TOPIC_OUTCOMES], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100 },
  });

  const client = sim.actor('client');
  return {
    loadDone: () => (client.state as { next: number }).next > cfg.refunds,
    loadProgress: () => Math.min(1, ((client.state as { next: number }).next - 1) / Math.max(1, cfg.refunds)),
    // Quiet for longer than the longest retry timer (the client's sweep retries up to 1.5
    // timeouts after a send; a member is re-admitted within a heartbeat), plus time to act on it.
    quietMs: Math.max(cfg.batchTimeoutMs, cfg.lockAcquireTimeoutMs, 1.5 * cfg.clientTimeoutMs, sim.kafka.sessionTimeoutMs + sim.kafka.heartbeatIntervalMs) + 1_000,
    drainDeadlineMs: 600_000,
    check: () => {
      log.closeOutstanding((client.state as { outstanding: Map<string, { index: number; request: { requestedAt: number } }> }).outstanding.values(), sim.nowMs);
      return checkRefundInvariants({
        rms: sim.store(STORES.rms), ds: sim.store(STORES.ds), cs: sim.store(STORES.cs),
        dlq: sim.topic(TOPIC_DLQ).logs, observer,
        answered: (i) => log.answered[i] !== 0, requests: cfg.refunds, indexOfKey: refundIndexOf,
        logicalKeyOf: (k) => log.aliases.get(k) ?? k, fundsPerType: cfg.fundsPerType,
      });
    },
    summary: () => {
      const counts: Record<RefundStatus, number> = { PENDING: 0, DISBURSED: 0, REJECTED: 0, DEAD_LETTERED: 0 };
      for (const row of (sim.store(STORES.rms).table('refunds') as Map<string, RefundRow>).values()) counts[row.status]++;
      let failed = 0;
      let disbursedRefunds = 0;
      for (const l of (sim.store(STORES.ds).table('ledger') as Map<string, LedgerRow>).values()) {
        if (l.status === 'FAILED') failed++;
        else disbursedRefunds++;
      }
      return {
        refunds: {
          requested: cfg.refunds, accepted: log.accepted, rejected: counts.REJECTED, disbursed: counts.DISBURSED,
          deadLettered: counts.DEAD_LETTERED, pending: counts.PENDING, clientGaveUp: log.gaveUpCount, ledgerFailed: failed,
        },
        documents: observer.documentsWritten,
        lockAcquisitions: observer.lockGrants,
        lockAcquisitionsPerRefund: disbursedRefunds > 0 ? observer.lockGrants / disbursedRefunds : 0,
        duplicatesSuppressed: sim.metrics.counter('duplicatesSuppressed'),
        dlq: sim.topic(TOPIC_DLQ).logs.reduce((n, p) => n + p.appended, 0),
        completedRefunds: counts.DISBURSED + counts.REJECTED + counts.DEAD_LETTERED,
      };
    },
    keysOf: refundKeysOf,
    sample: () => {
      let lag = 0;
      for (const [topic, groups] of [[TOPIC_REQUESTED, ['batcher']], [TOPIC_OUTCOMES, ['cs', 'rms-status']]] as const) {
        const logs = sim.topic(topic).logs;
        for (const g of groups) for (const log of logs) lag += log.end - sim.committedOffset(g, topic, log.partition);
      }
      return { offered: (client.state as { next: number }).next - 1, completed: observer.completed, lag };
    },
  };
}

/** The request index of a client key `rf-<n>` (-1 for anything else), without allocating. */
export function refundIndexOf(key: string): number {
  if (key.length < 4 || key.charCodeAt(0) !== 114 || key.charCodeAt(1) !== 102 || key.charCodeAt(2) !== 45) return -1;
  let n = 0;
  for (let i = 3; i < key.length; i++) {
    const c = key.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** refundIds a message of this pipeline concerns (for a key's trace). */
export function refundKeysOf(msg: unknown): readonly string[] {
  const m = msg as { type?: string; key?: string; items?: { refundId: string }[]; records?: { key: string }[] };
  if (m.records !== undefined) return m.records.map((r) => r.key);
  if (m.items !== undefined) return m.items.map((i) => i.refundId);
  if (typeof m.key === 'string') return [m.key];
  return [];
}

export const refundsScenario: Scenario<RefundConfig> = {
  name: 'refunds',
  description: 'event-driven refund pipeline (seeds/000): RMS + outbox -> Kafka -> batcher -> DS (lock per batch) -> CS documents, RMS statuses, DLQ',
  params: refundParams,
  build: buildRefunds,
  faultPresets: REFUND_FAULT_PRESETS,
  check: refundCheckSpace,
};
