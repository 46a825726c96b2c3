// What both refund designs share (seeds/000 and its rejected 2PC alternative): the
// client, the consumers' settings, the dense tables, the refund entity, the invariants,
// the counts every report shows, the variants.
import type { Topology } from '../../harness/scenario.js';
import type { Observation } from '../../checks/types.js';
import { loadGenerator } from '../../actors/load-generator.js';
import type { ConsumerSpec } from '../../runtime/sim/kernel.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED, type RefundRequest } from './model.js';
import type { RefundParams } from './params.js';
import { DocumentTable, LedgerTable, RefundTable } from './tables.js';
import { VARIANTS } from './variants.js';
import { REFUND_ENTITY, STORES, refundInvariants } from './invariants.js';

/** How each consuming stage reads Kafka: the same in the simulator and live. */
export const REFUND_CONSUMERS = {
  rms: { group: 'rms-status', topics: [TOPIC_OUTCOMES, TOPIC_DLQ], maxPollRecords: 500 },
  // Spark Streaming: records are read in micro-batches (a 100 ms trigger); a record no
  // attempt can process goes to the DLQ.
  batcher: {
    group: 'batcher', topics: [TOPIC_REQUESTED], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100,
    deadLetterTopic: TOPIC_DLQ, maxAttempts: 3,
  },
  // Flink: network buffers flush when full or after the 100 ms buffer timeout.
  cs: { group: 'cs', topics: [TOPIC_OUTCOMES], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100 },
} as const satisfies Record<string, ConsumerSpec>;

/** The client of seeds/000: refund requests with an idempotency key, 2% invalid, some to closed accounts. */
export function refundClient(p: RefundParams, target = 'rms') {
  return loadGenerator<RefundRequest>({
    target, load: p, keyPrefix: 'rf', metric: 'rmsResponse', responseType: 'refund-response',
    request(_n, key, replyTo, requestedAt, ctx) {
      const refundType = Math.floor(ctx.random() * p.refundTypes);
      let amount = p.amountMin + Math.floor(ctx.random() * (p.amountMax - p.amountMin + 1));
      let account = 'open';
      const u = ctx.random();
      if (u < p.invalidRate / 2) amount = 0;
      else if (u < p.invalidRate) account = '';
      else if (u < p.invalidRate + p.closedAccountRate) account = 'closed';
      return { type: 'refund-request', key, refundType, amount, account, requestedAt, replyTo };
    },
    // The client-retry-new-key bug: a retry is a new request as far as RMS can tell.
    retryKey: p.variant === 'client-retry-new-key' ? (key, attempt) => `${key}~r${attempt}` : undefined,
  });
}

/** The three tables with a row per refund, as dense tables (millions of rows of one shape), sized for `count` refunds. */
export const refundTables = (count: number) => ({
  [STORES.rms]: { refunds: () => new RefundTable(count), outbox: 'queue' },
  [STORES.ds]: { ledger: () => new LedgerTable(count) },
  [STORES.cs]: { documents: () => new DocumentTable(count) },
} as const satisfies Topology['tables']);

/** refundIds a message of this pipeline concerns (for a key's trace). */
export function refundKeysOf(msg: unknown): readonly string[] {
  const m = msg as { key?: string; items?: { refundId: string }[]; records?: { key: string }[] };
  if (m.records !== undefined) return m.records.map((r) => r.key);
  if (m.items !== undefined) return m.items.map((i) => i.refundId);
  if (typeof m.key === 'string') return [m.key];
  return [];
}

/** Shared by both refund designs: the refund entity, the six invariants, the counts every report shows. */
export const REFUND_COMMON = {
  entities: [REFUND_ENTITY],
  invariants: refundInvariants,
  metrics: {
    headline: 'rmsResponse',
    latencies: ['endToEnd'],
    slo: 'rmsResponse.p99<10000',
    derived: (f: { counter(n: string): number; outcome(n: string): number }) => {
      const disbursed = f.outcome('refunds.DISBURSED');
      return { lockAcquisitionsPerRefund: disbursed > 0 ? f.counter('locks.granted') / disbursed : 0 };
    },
  },
  outcomes: (o: Observation) => ({
    documents: o.table(STORES.cs, 'documents').size,
    dlqRecords: o.records(TOPIC_DLQ).length,
    lockAcquisitions: o.counter('locks.granted'),
    duplicatesSuppressed: o.counter('duplicatesSuppressed'),
  }),
  keysOf: refundKeysOf,
  variants: VARIANTS,
  validate: (p: RefundParams) => (p.amountMin > p.amountMax ? `amountMin (${p.amountMin}) is above amountMax (${p.amountMax})` : undefined),
} as const;

