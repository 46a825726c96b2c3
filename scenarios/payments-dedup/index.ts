// seeds/004 on the kit: payment terminals → a producer (no dedup: network retries reach
// the stream twice) → the payment-events topic → a micro-batch stream job (watermark,
// dedup by transaction id, checkpointed state and offsets, an offset log) → a warehouse
// sink written one batch at a time. The checks are the seed's reconciliation made exact:
// no transaction twice in the sink, no accepted event lost unless it really was late,
// amounts as accepted. Variants: the ways the seed's "no duplicates after a crash" fails.
import fc from 'fast-check';
import { defineScenario } from '../../harness/scenario.js';
import { ViolationLog, type Checker } from '../../checks/types.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { acceptedReachSink, countDistinct, distinctKeys, lateDropsJustified, totalsMatch } from '../../checks/streams.js';
import { itemCount, perItemMs } from '../../runtime/sim/service-time.js';
import { dedupParamsShape, type DedupParams } from './params.js';
import { TOPIC_EVENTS, paymentProducer, type Accepted, type SubmitPayment } from './intake.js';
import { SINK_TABLE, warehouse, type SinkRow } from './warehouse.js';
import { streamJob, type DroppedLate } from './stream-job.js';
import { DEDUP_CLAIMS } from './claims.js';
import { AcceptedTable, SinkTable } from './tables.js';

const PRODUCER = 'payment-producer';

const JOB = 'stream-job';
const SINK = 'warehouse';

/**
 * The checkpointed dedup state holds no id older than the watermark (plus one eviction
 * bucket, a minute of it) behind the latest event in the sink: the seed's bounded state.
 */
function stateBoundedByWatermark(p: DedupParams): Checker {
  const span = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 6_000) / 10} min` : `${Math.round(ms)} ms`);
  const description = `the checkpointed dedup state holds no transaction more than the watermark (${span(p.watermarkMs)}, plus a sixtieth of it: the eviction granularity) behind the latest one in the sink`;
  return {
    name: 'dedup-state-bounded',
    description,
    check(o) {
      const log = new ViolationLog('dedup-state-bounded', description);
      let latest = -Infinity;
      for (const r of o.table<SinkRow>(SINK, SINK_TABLE).values()) if (r.eventTime > latest) latest = r.eventTime;
      const floor = latest - p.watermarkMs - p.watermarkMs / 60;
      for (const [id, t] of o.table<number>(JOB, 'dedup_state')) if (t < floor) log.add(String(id), `still in the dedup state ${span(latest - t)} behind the latest event (the watermark is ${span(p.watermarkMs)})`);
      return log.result();
    },
  };
}

const accepted = { store: PRODUCER, table: 'accepted', noun: 'accepted payment' };
const sink = { store: SINK, table: SINK_TABLE, keyOf: (r: SinkRow) => r.txId, noun: 'sink' };

export default defineScenario({
  name: 'payments-dedup',
  description: 'payment terminals -> producer (retries duplicate) -> payment-events -> micro-batch stream job (watermark, dedup, checkpoint) -> warehouse sink (seeds/004)',
  params: dedupParamsShape,
  // The seed's 10,000 transactions a minute, 1% sent twice by network retries.
  load: { count: 20_000, ratePerSec: 10_000 / 60, clientTimeoutMs: 5_000, duplicateRate: 0.01, duplicateDelayMsMax: 2_000 },
  topology: (p) => ({
    topics: [{ name: TOPIC_EVENTS, partitions: p.partitions }],
    actors: [
      {
        name: 'terminals',
        behaviour: loadGenerator<SubmitPayment>({
          target: PRODUCER, load: p, keyPrefix: 'tx', responseType: 'payment-response', metric: 'paymentResponse', created: (s) => s === 'ACCEPTED',
          // A late event was taken while the terminal was offline: its event time lies in the past.
          request: (_n, key, replyTo, at, ctx) => {
            const late = ctx.random() < p.lateRate;
            // A terminal whose clock runs fast stamps its event ahead of time (drawn only when the workload asks for it).
            const ahead = p.clockAheadRate > 0 && ctx.random() < p.clockAheadRate ? ctx.random() * p.clockAheadMaxMs : 0;
            const eventTime = Math.round(at - (late ? ctx.random() * p.latenessMaxMs : 0) + ahead);
            return { type: 'payment', key, amount: 100 + Math.floor(ctx.random() * 99_900), eventTime, replyTo };
          },
        }),
      },
      { name: PRODUCER, behaviour: paymentProducer, workers: 4, serviceTime: 0.2 },
      // One job (a Spark driver): live it runs in the coordinator, not a copy per worker process.
      { name: JOB, behaviour: streamJob(p as DedupParams), serviceTime: perItemMs(0.05, p.jobRecordMs, itemCount), consumes: { group: JOB, topics: [TOPIC_EVENTS] }, place: 'api' },
      { name: SINK, behaviour: warehouse(p.variant), serviceTime: perItemMs(p.sinkLatencyMs, p.sinkRowMs, itemCount) },
    ],
    tables: { [PRODUCER]: { accepted: () => new AcceptedTable(p.count) }, [SINK]: { [SINK_TABLE]: () => new SinkTable(p.count) } },
  }),
  invariants: (p) => [
    distinctKeys({ name: 'no-transaction-twice-in-sink', description: 'no transaction id twice in the sink (COUNT(DISTINCT transaction_id) = COUNT(*))', rows: sink }),
    acceptedReachSink({ name: 'no-accepted-event-lost', sink, excused: { store: JOB, table: 'dropped_late', noun: 'dropped as late' } }),
    // A witness counts no further ahead than its arrival at the producer plus 10 min (far above any clock skew a fault plan makes).
    lateDropsJustified({
      name: 'late-drops-really-late', events: accepted, eventTimeOf: (r: Accepted) => r.eventTime, dropped: { store: JOB, table: 'dropped_late' },
      witnessOf: (d: DroppedLate) => d.witness, allowedLatenessMs: p.watermarkMs, arrivedAtOf: (r: Accepted) => r.acceptedAt, maxClockErrorMs: 600_000,
    }),
    stateBoundedByWatermark(p as DedupParams),
    totalsMatch({ name: 'amounts-reconcile', source: accepted, sink, valueOf: (r: { amount: number }) => r.amount, unit: 'cents' }),
  ],
  outcomes: (o) => ({
    'payments.accepted': o.table(PRODUCER, 'accepted').size,
    'payments.inSink': o.table(SINK, SINK_TABLE).size,
    'payments.distinctInSink': countDistinct(o, sink),
    'payments.droppedLate': o.table(JOB, 'dropped_late').size,
  }),
  metrics: {
    unit: 'transaction',
    completed: 'payments.written',
    headline: 'endToEnd',
    latencies: ['paymentResponse'],
    slo: 'endToEnd.p99<30000',
    counters: ['payments.duplicatesSkipped', 'payments.droppedLate', 'job.recordsReplayed'],
    // The dedup state as the checkpoint holds it (the seed's "state store size"), counted by the runtime.
    tableSizes: [{ store: JOB, table: 'dedup_state' }],
    derived: (f) => ({ duplicateRate: f.counter('job.records') > 0 ? f.counter('payments.duplicatesSkipped') / f.counter('job.records') : 0 }),
  },
  claims: DEDUP_CLAIMS,
  variants: {
    'non-idempotent-sink': 'the sink appends every batch it is sent and the checkpoint follows the sink write: a batch sent again after a restart (or a lost answer) lands twice',
    'state-not-checkpointed': 'the dedup state lives in memory only (offsets are checkpointed): after a restart a retry of a transaction seen before the crash is written again',
    'watermark-too-short': 'the watermark trails the latest event by 10 min, not the hour the pipeline promises: events 10–60 min late are dropped',
    'state-never-evicted': 'evicted ids leave the job\'s memory but not the checkpoint: the state store grows with history instead of staying within the watermark',
    'no-offset-log': 'no offset log: the batch replayed after a restart is formed from whatever has arrived, so the sink\'s batch id no longer names the same rows',
  },
  check: {
    // A short load at a high share of duplicates and late events, batches every 200 ms.
    params: { count: 60, ratePerSec: 30, triggerMs: 200, sinkTimeoutMs: 1_000, clientTimeoutMs: 1_000, duplicateDelayMsMax: 1_500 },
    // The seed's hour, or a watermark of 400 ms with lateness to match, so that a run of seconds moves it past
    // on-time events too (eviction, drops and replays all in play).
    workload: fc.tuple(
      fc.record({ duplicateRate: fc.constantFrom(0.05, 0.2), lateRate: fc.constantFrom(0, 0.1) }),
      fc.constantFrom({ watermarkMs: 3_600_000, latenessMaxMs: 5_400_000 }, { watermarkMs: 400, latenessMaxMs: 600 }),
    ).map(([a, b]) => ({ ...a, ...b })),
  },
});
