// The kit's micro-batcher (a Spark Streaming stage): groups the records it consumes by a
// key of their value into batches of up to `sizeMax` (or whatever arrived within
// `maxWaitMs`), sends each batch to `target` and commits a partition's offsets only up to
// the first record whose batch the target has not yet confirmed (commit after work). A
// batch the target does not confirm within `timeoutMs` is sent again with the same id:
// the target must make a repeat harmless (a ledger keyed by item, say).
import type { Behaviour, Context, RecordsMessage, RuntimeMessage } from '../runtime/contract.js';
import { OffsetTracker } from './offset-tracker.js';

export const BATCHER_CRASH_POINTS = ['batcher.after-done-before-commit'] as const;

/** Batcher → target. Batch ids never repeat, across restarts too. */
export interface Batch<V = unknown> {
  readonly type: 'batch';
  readonly batchId: string;
  readonly group: string | number;
  readonly items: readonly V[];
  readonly replyTo: number;
}

/** Target → batcher: `ok` false means nothing was done (a lock lost, say): the batch is sent again at its time-out. */
export interface BatchDone {
  readonly type: 'batch-done';
  readonly batchId: string;
  readonly ok: boolean;
}

export interface BatcherOptions<V> {
  readonly target: string;
  /** The key records are grouped by. */
  groupOf(value: V): string | number;
  readonly sizeMax: number;
  readonly maxWaitMs: number;
  /** A batch not confirmed this long after it was sent goes again. */
  readonly timeoutMs: number;
  /** Histogram of batch sizes (default "batchSize"). */
  readonly metric?: string;
}

interface OpenBatch<V> {
  readonly items: V[];
  /** Flat [topic index, partition, offset, …] of the records in the batch. */
  readonly offsets: number[];
  readonly id: number;
}

interface PendingBatch<V> {
  readonly batch: Batch<V>;
  readonly offsets: number[];
}

export interface BatcherState<V> {
  epoch: number;
  nextBatch: number;
  /** Numbers open batches, so a flush-due timer only flushes the batch it was set for. */
  nextOpen: number;
  readonly open: Map<string | number, OpenBatch<V>>;
  readonly pending: Map<string, PendingBatch<V>>;
  readonly offsets: OffsetTracker;
  /** Topics by index, for the flat offset lists. */
  readonly topics: string[];
}

type BatcherMessage =
  | { type: 'flush-due'; group: string | number; openId: number }
  | { type: 'batch-timeout'; batchId: string }
  | BatchDone
  | RuntimeMessage;

export function batcher<V>(o: BatcherOptions<V>): Behaviour<BatcherState<V>, BatcherMessage> {
  const metric = o.metric ?? 'batchSize';

  const flush = (s: BatcherState<V>, ctx: Context, group: string | number) => {
    const open = s.open.get(group);
    if (open === undefined) return;
    s.open.delete(group);
    const batchId = `${s.epoch}.${s.nextBatch++}`;
    const batch: Batch<V> = { type: 'batch', batchId, group, items: open.items, replyTo: ctx.ref(ctx.selfName) };
    s.pending.set(batchId, { batch, offsets: open.offsets });
    ctx.record(metric, open.items.length);
    ctx.send(o.target, batch);
    ctx.setTimer(o.timeoutMs, { type: 'batch-timeout', batchId });
  };

  const topicIndex = (s: BatcherState<V>, topic: string) => {
    const i = s.topics.indexOf(topic);
    if (i >= 0) return i;
    s.topics.push(topic);
    return s.topics.length - 1;
  };

  const onRecords = (s: BatcherState<V>, ctx: Context, m: RecordsMessage) => {
    const t = topicIndex(s, m.topic);
    s.offsets.takeAll(m);
    for (const rec of m.records) {
      const value = rec.value as V;
      const group = o.groupOf(value);
      let open = s.open.get(group);
      if (open === undefined) {
        open = { items: [], offsets: [], id: s.nextOpen++ };
        s.open.set(group, open);
        ctx.setTimer(o.maxWaitMs, { type: 'flush-due', group, openId: open.id });
      }
      open.items.push(value);
      open.offsets.push(t, m.partition, rec.offset);
      if (open.items.length >= o.sizeMax) flush(s, ctx, group);
    }
  };

  return {
    init: () => ({ epoch: 0, nextBatch: 1, nextOpen: 1, open: new Map(), pending: new Map(), offsets: new OffsetTracker(), topics: [] }),
    crashPoints: BATCHER_CRASH_POINTS,
    receive(s, msg, ctx) {
      switch (msg.type) {
        case '$started': {
          // Batch ids must never repeat across restarts: a late answer to a batch sent
          // before a crash must not confirm a different batch sent after it.
          s.epoch = (ctx.store.get<number>('meta', 'epoch') ?? 0) + 1;
          ctx.store.put('meta', 'epoch', s.epoch);
          return s;
        }
        case '$assigned':
          s.offsets.assigned(msg.partitions);
          return s;
        case '$records':
          onRecords(s, ctx, msg);
          return s;
        case 'flush-due': {
          const open = s.open.get(msg.group);
          if (open !== undefined && open.id === msg.openId) flush(s, ctx, msg.group);
          return s;
        }
        case 'batch-done': {
          const p = s.pending.get(msg.batchId);
          if (p === undefined) return s;
          if (!msg.ok) {
            ctx.count('batcher.batchesRefused');
            return s; // the time-out sends it again
          }
          s.pending.delete(msg.batchId);
          ctx.crashPoint('batcher.after-done-before-commit');
          s.offsets.releaseFlat(ctx, s.topics, p.offsets);
          return s;
        }
        case 'batch-timeout': {
          const p = s.pending.get(msg.batchId);
          if (p === undefined) return s;
          ctx.count('batcher.batchesResent');
          ctx.send(o.target, p.batch);
          ctx.setTimer(o.timeoutMs, { type: 'batch-timeout', batchId: msg.batchId });
          return s;
        }
        default:
          return s;
      }
    },
  };
}
