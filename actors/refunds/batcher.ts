// The batcher (the seed's Spark Streaming stage): groups refund events by refund
// type into batches of up to batchSizeMax (or whatever arrived within batchMaxWaitMs),
// sends each batch to DS and commits a partition's offsets only up to the first
// record whose batch DS has not yet confirmed. A batch DS does not confirm in time is
// sent again with the same id; DS's ledger makes that harmless.
import type { Behaviour, Context, RecordsMessage, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundConfig } from './config.js';
import { TOPIC_REQUESTED, type Batch, type BatchDone, type RefundEvent } from './model.js';
import { SeqMap } from '../../runtime/sim/seq-map.js';

export const BATCHER_CRASH_POINTS = ['batcher.after-send-before-commit'] as const;

interface OpenBatch {
  readonly items: RefundEvent[];
  /** Flat [partition, offset, …] of the records in the batch. */
  readonly offsets: number[];
  readonly id: number;
}

interface PendingBatch {
  readonly batch: Batch;
  readonly offsets: number[];
}

/** Offsets read from one partition, in order, and how many batches still hold each. */
interface PartitionProgress {
  readonly order: number[];
  head: number;
  /** By offset: offsets come in order and leave from the front (a SeqMap, not a Map). */
  readonly holding: Map<number, number>;
  committed: number;
}

interface BatcherState {
  epoch: number;
  nextBatch: number;
  /** Numbers open batches, so a flush-due timer only flushes the batch it was set for. */
  nextOpen: number;
  open: Map<number, OpenBatch>;
  pending: Map<string, PendingBatch>;
  partitions: Map<number, PartitionProgress>;
}

type BatcherMessage =
  | { type: 'flush-due'; refundType: number; openId: number }
  | { type: 'batch-timeout'; batchId: string }
  | BatchDone
  | RuntimeMessage;

export function batcherBehaviour(cfg: RefundConfig, dsName = 'ds'): Behaviour<BatcherState, BatcherMessage> {
  const progressOf = (s: BatcherState, p: number) => {
    let pp = s.partitions.get(p);
    if (pp === undefined) {
      pp = { order: [], head: 0, holding: new SeqMap(), committed: -1 };
      s.partitions.set(p, pp);
    }
    return pp;
  };

  const flush = (s: BatcherState, ctx: Context, refundType: number) => {
    const open = s.open.get(refundType);
    if (open === undefined) return;
    s.open.delete(refundType);
    const batchId = `${s.epoch}.${s.nextBatch++}`;
    const batch: Batch = { type: 'batch', batchId, refundType, items: open.items, replyTo: ctx.ref(ctx.selfName) };
    s.pending.set(batchId, { batch, offsets: open.offsets });
    ctx.record('batchSize', open.items.length);
    ctx.send(dsName, batch);
    ctx.setTimer(cfg.batchTimeoutMs, { type: 'batch-timeout', batchId });
  };

  /** Releases a batch's records and commits every partition whose low-water mark moved. */
  const release = (s: BatcherState, ctx: Context, offsets: readonly number[]) => {
    const touched = new Set<number>();
    for (let i = 0; i < offsets.length; i += 2) {
      const pp = progressOf(s, offsets[i]);
      const o = offsets[i + 1];
      pp.holding.set(o, (pp.holding.get(o) ?? 1) - 1);
      touched.add(offsets[i]);
    }
    for (const p of touched) {
      const pp = progressOf(s, p);
      let next = -1;
      while (pp.head < pp.order.length && (pp.holding.get(pp.order[pp.head]) ?? 0) <= 0) {
        const o = pp.order[pp.head++];
        pp.holding.delete(o);
        next = Math.max(next, o + 1);
      }
      if (pp.head > 4096 && pp.head * 2 > pp.order.length) {
        pp.order.splice(0, pp.head);
        pp.head = 0;
      }
      if (next > pp.committed) {
        pp.committed = next;
        ctx.commit(TOPIC_REQUESTED, p, next);
      }
    }
  };

  const onRecords = (s: BatcherState, ctx: Context, m: RecordsMessage) => {
    const pp = progressOf(s, m.partition);
    for (const rec of m.records) {
      const e = rec.value as RefundEvent;
      let open = s.open.get(e.refundType);
      if (open === undefined) {
        open = { items: [], offsets: [], id: s.nextOpen++ };
        s.open.set(e.refundType, open);
        ctx.setTimer(cfg.batchMaxWaitMs, { type: 'flush-due', refundType: e.refundType, openId: open.id });
      }
      open.items.push(e);
      open.offsets.push(m.partition, rec.offset);
      pp.order.push(rec.offset);
      pp.holding.set(rec.offset, (pp.holding.get(rec.offset) ?? 0) + 1);
      if (open.items.length >= cfg.batchSizeMax) flush(s, ctx, e.refundType);
    }
    if (cfg.variant === 'commit-before-effect') {
      // The bug: the records are "done" as soon as they are read.
      ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
    }
  };

  return {
    init: () => ({ epoch: 0, nextBatch: 1, nextOpen: 1, open: new Map(), pending: new Map(), partitions: new Map() }),
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
        case '$records':
          onRecords(s, ctx, msg);
          return s;
        case 'flush-due': {
          const open = s.open.get(msg.refundType);
          if (open !== undefined && open.id === msg.openId) flush(s, ctx, msg.refundType);
          return s;
        }
        case 'batch-done': {
          const p = s.pending.get(msg.batchId);
          if (p === undefined) return s;
          if (!msg.ok) {
            ctx.count('batcher.batchesRefused');
            return s; // the timeout sends it again
          }
          s.pending.delete(msg.batchId);
          ctx.crashPoint('batcher.after-send-before-commit');
          if (cfg.variant !== 'commit-before-effect') release(s, ctx, p.offsets);
          return s;
        }
        case 'batch-timeout': {
          const p = s.pending.get(msg.batchId);
          if (p === undefined) return s;
          ctx.count('batcher.batchesResent');
          ctx.send(dsName, p.batch);
          ctx.setTimer(cfg.batchTimeoutMs, { type: 'batch-timeout', batchId: msg.batchId });
          return s;
        }
        default:
          return s;
      }
    },
  };
}
