// The stream job of seeds/004, as Spark Structured Streaming runs it: micro-batches on a
// processing-time trigger. A batch's offset range goes to the offset log first; the
// batch drops events older than the watermark (the latest event time of earlier batches
// minus the watermark delay), dedups by transaction id against the state (keeping the
// first), and is sent to the sink; once the sink has it, the state's changes, the
// dropped events and the offsets are checkpointed in one transaction, and the state
// below the new watermark is evicted (so it stays bounded). After a crash the job
// resumes from its checkpoint and replays the batch the offset log holds, the same
// records with the same watermark: an idempotent sink makes that replay harmless.
//
// Variants: `state-not-checkpointed` keeps the dedup state in memory only (a restart
// forgets which transactions it has seen); `watermark-too-short` drops events 10 min
// behind instead of the hour the pipeline promises; `no-offset-log` forms the replayed
// batch from whatever has arrived, so the sink's batch id no longer names the same rows;
// `state-never-evicted` forgets evicted ids in memory but never deletes them from the
// checkpoint, whose state then grows with history (and comes back whole at a restart).
import type { Behaviour, Context, KafkaRecord, RuntimeMessage } from '../../runtime/contract.js';
import { TOPIC_EVENTS, type PaymentEvent } from './intake.js';
import type { BatchWritten, WriteBatch } from './warehouse.js';
import type { DedupParams } from './params.js';

export const JOB_CRASH_POINTS = ['job.after-offset-log-before-sink', 'job.after-sink-before-checkpoint'] as const;

/** The last committed batch: its id, the offsets after it, and the latest event time seen (with the event that set it). */
export interface Checkpoint { readonly batchId: number; readonly offsets: Readonly<Record<number, number>>; readonly maxEventTime: number; readonly maxTxId: string }
/** An event the job dropped as late, with the watermark and the event whose time set it. */
export interface DroppedLate { readonly txId: string; readonly eventTime: number; readonly watermark: number; readonly witness: string; readonly batchId: number }

interface InFlight {
  readonly batchId: number;
  readonly ends: Readonly<Record<number, number>>;
  readonly rows: PaymentEvent[];
  readonly dropped: DroppedLate[];
  readonly duplicates: number;
  readonly records: number;
  readonly maxEventTime: number;
  readonly maxTxId: string;
}

interface JobState {
  cp: Checkpoint;
  /** Dedup state: transaction id → event time; and the same ids by event-time bucket, for eviction. */
  readonly seen: Map<string, number>;
  readonly buckets: Map<number, string[]>;
  /** Per partition, records received and not yet in a batch (offsets at or past the checkpoint's). */
  readonly buffers: Map<number, KafkaRecord<PaymentEvent>[]>;
  /** Per partition, the next offset expected (what comes below it is already buffered or checkpointed). */
  readonly next: Map<number, number>;
  inFlight: InFlight | null;
  /** The offset range of a batch the offset log holds and the checkpoint does not (to replay after a restart). */
  planned: Readonly<Record<number, number>> | undefined;
  armed: boolean;
}

type Tick = { type: 'trigger' } | { type: 'sink-timeout'; batchId: number };

const START: Checkpoint = { batchId: 0, offsets: {}, maxEventTime: -Infinity, maxTxId: '' };

export function streamJob(p: DedupParams): Behaviour<JobState, RuntimeMessage | BatchWritten | Tick> {
  const keepsState = p.variant !== 'state-not-checkpointed';
  const deletesEvicted = p.variant !== 'state-never-evicted';
  const logsOffsets = p.variant !== 'no-offset-log';
  const delayMs = p.variant === 'watermark-too-short' ? p.watermarkMs / 6 : p.watermarkMs;
  const bucketMs = Math.max(1, delayMs / 60);

  const remember = (s: JobState, txId: string, eventTime: number) => {
    s.seen.set(txId, eventTime);
    const b = Math.floor(eventTime / bucketMs);
    let ids = s.buckets.get(b);
    if (ids === undefined) s.buckets.set(b, (ids = []));
    ids.push(txId);
  };

  /** Forgets every id whose event time is below the watermark: no later batch accepts such an event anyway. */
  const evict = (s: JobState, ctx: Context, watermark: number) => {
    for (const [b, ids] of s.buckets) {
      if ((b + 1) * bucketMs > watermark) continue;
      for (const id of ids) {
        s.seen.delete(id);
        if (keepsState && deletesEvicted) ctx.store.delete('dedup_state', id);
      }
      s.buckets.delete(b);
    }
  };

  const arm = (s: JobState, ctx: Context) => {
    if (s.armed) return;
    s.armed = true;
    ctx.setTimer(p.triggerMs, { type: 'trigger' });
  };

  const sendBatch = (ctx: Context, b: InFlight) => {
    ctx.send('warehouse', { type: 'write-batch', batchId: b.batchId, items: b.rows, replyTo: ctx.ref(ctx.selfName) } satisfies WriteBatch);
    ctx.setTimer(p.sinkTimeoutMs, { type: 'sink-timeout', batchId: b.batchId });
  };

  /** Starts the next micro-batch from the buffered records (or the planned range after a restart). */
  const trigger = (s: JobState, ctx: Context) => {
    s.armed = false;
    if (s.inFlight !== null) return;
    const batchId = s.cp.batchId + 1;
    let ends: Record<number, number>;
    const replay = s.planned !== undefined;
    if (s.planned !== undefined) {
      // The batch the offset log holds: wait until every record of its range has come again.
      ends = { ...s.planned };
      for (const [part, end] of Object.entries(ends)) {
        if ((s.next.get(Number(part)) ?? s.cp.offsets[Number(part)] ?? 0) < end) {
          arm(s, ctx);
          return;
        }
      }
    } else {
      ends = {};
      for (const [part, buf] of s.buffers) if (buf.length > 0) ends[part] = buf[buf.length - 1].offset + 1;
      if (Object.keys(ends).length === 0) return;
      if (logsOffsets) ctx.store.put('offset_log', batchId, { ends });
    }
    const watermark = s.cp.maxEventTime - delayMs;
    const rows: PaymentEvent[] = [];
    const dropped: DroppedLate[] = [];
    const inBatch = new Set<string>();
    let duplicates = 0;
    let records = 0;
    let maxEventTime = s.cp.maxEventTime;
    let maxTxId = s.cp.maxTxId;
    for (const part of Object.keys(ends).map(Number).sort((a, b) => a - b)) {
      const buf = s.buffers.get(part) ?? [];
      let taken = 0;
      while (taken < buf.length && buf[taken].offset < ends[part]) {
        const e = buf[taken++].value;
        records++;
        if (e.eventTime > maxEventTime) {
          maxEventTime = e.eventTime;
          maxTxId = e.txId;
        }
        if (e.eventTime < watermark) dropped.push({ txId: e.txId, eventTime: e.eventTime, watermark, witness: s.cp.maxTxId, batchId });
        else if (s.seen.has(e.txId) || inBatch.has(e.txId)) duplicates++;
        else {
          inBatch.add(e.txId);
          rows.push(e);
        }
      }
      buf.splice(0, taken);
    }
    if (replay) ctx.count('job.recordsReplayed', records);
    ctx.crashPoint('job.after-offset-log-before-sink');
    s.inFlight = { batchId, ends, rows, dropped, duplicates, records, maxEventTime, maxTxId };
    sendBatch(ctx, s.inFlight);
  };

  /** The sink has the batch: checkpoint the state's changes, the drops and the offsets, in one transaction. */
  const checkpoint = (s: JobState, ctx: Context, b: InFlight) => {
    ctx.crashPoint('job.after-sink-before-checkpoint');
    const store = ctx.store;
    for (const e of b.rows) {
      remember(s, e.txId, e.eventTime);
      if (keepsState) store.put('dedup_state', e.txId, e.eventTime);
    }
    for (const d of b.dropped) store.put<DroppedLate>('dropped_late', d.txId, d);
    const cp: Checkpoint = { batchId: b.batchId, offsets: { ...s.cp.offsets, ...b.ends }, maxEventTime: b.maxEventTime, maxTxId: b.maxTxId };
    store.put('checkpoint', 'latest', cp);
    if (logsOffsets) store.delete('offset_log', b.batchId);
    evict(s, ctx, cp.maxEventTime - delayMs);
    for (const [part, end] of Object.entries(b.ends)) ctx.commit(TOPIC_EVENTS, Number(part), end);
    s.cp = cp;
    s.inFlight = null;
    s.planned = undefined;
    ctx.count('payments.duplicatesSkipped', b.duplicates);
    ctx.count('payments.droppedLate', b.dropped.length);
    ctx.count('job.records', b.records);
    ctx.record('batchSize', b.records);
    ctx.gauge('dedup.stateKeys', s.seen.size);
    for (const buf of s.buffers.values()) if (buf.length > 0) return arm(s, ctx);
  };

  return {
    crashPoints: JOB_CRASH_POINTS,
    init(ctx) {
      const cp = ctx.store.get<Checkpoint>('checkpoint', 'latest') ?? START;
      const s: JobState = { cp, seen: new Map(), buckets: new Map(), buffers: new Map(), next: new Map(), inFlight: null, planned: undefined, armed: false };
      if (keepsState) for (const [id, t] of ctx.store.scan<number>('dedup_state')) remember(s, String(id), t);
      if (logsOffsets) s.planned = ctx.store.get<{ ends: Record<number, number> }>('offset_log', cp.batchId + 1)?.ends;
      return s;
    },
    pending(s) {
      let n = s.inFlight === null ? 0 : 1;
      for (const buf of s.buffers.values()) n += buf.length;
      return n;
    },
    receive(s, m, ctx) {
      switch (m.type) {
        case '$started':
          ctx.gauge('dedup.stateKeys', s.seen.size);
          return s;
        case '$records': {
          const part = m.partition;
          let next = s.next.get(part) ?? s.cp.offsets[part] ?? 0;
          let buf = s.buffers.get(part);
          if (buf === undefined) s.buffers.set(part, (buf = []));
          // Below `next`: buffered already or checkpointed (Kafka's committed offset may lag the checkpoint's).
          for (const r of m.records as readonly KafkaRecord<PaymentEvent>[]) {
            if (r.offset < next) continue;
            buf.push(r);
            next = r.offset + 1;
          }
          // Records the checkpoint already holds came again (the group's offset was moved back, or a
          // commit was lost): the checkpoint, not the group, says where the job is; tell the group again.
          const checkpointed = s.cp.offsets[part];
          if (checkpointed !== undefined && m.records.length > 0 && m.records[0].offset < checkpointed) ctx.commit(TOPIC_EVENTS, part, checkpointed);
          s.next.set(part, next);
          if (s.inFlight === null) arm(s, ctx);
          return s;
        }
        case 'trigger':
          trigger(s, ctx);
          return s;
        case 'batch-written':
          if (s.inFlight !== null && s.inFlight.batchId === m.batchId) checkpoint(s, ctx, s.inFlight);
          return s;
        case 'sink-timeout':
          if (s.inFlight !== null && s.inFlight.batchId === m.batchId) {
            ctx.count('job.sinkRetries');
            sendBatch(ctx, s.inFlight);
          }
          return s;
        default:
          return s;
      }
    },
  };
}
