// Commit-after-work offset tracking: records taken from a partition may finish out of
// order (in different batches, after different calls), but a consumer may only commit
// an offset once every record before it is done. The tracker keeps, per partition, the
// offsets taken in order and how many units of work still hold each; `release` commits
// a partition's low-water mark whenever it moves. Volatile: after a crash the consumer
// starts again from the committed offsets, and whatever was in flight comes again.
import type { Context, RecordsMessage } from '../runtime/contract.js';
import { SeqMap } from '../runtime/sim/seq-map.js';

interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Offsets taken, in order; the front ones up to `head` are done. */
  readonly order: number[];
  head: number;
  /** By offset, how many units still hold it: offsets come in order and leave from the front. */
  readonly holding: Map<number, number>;
  committed: number;
}

export class OffsetTracker {
  /** By topic, then by partition (no key string built per record). */
  private readonly partitions = new Map<string, PartitionProgress[]>();

  private progress(topic: string, partition: number): PartitionProgress {
    let byPartition = this.partitions.get(topic);
    if (byPartition === undefined) this.partitions.set(topic, (byPartition = []));
    let p = byPartition[partition];
    if (p === undefined) {
      p = { topic, partition, order: [], head: 0, holding: new SeqMap(), committed: -1 };
      byPartition[partition] = p;
    }
    return p;
  }

  /**
   * The consumer was handed partitions (`$assigned`): whatever it tracked before is forgotten
   * (records of partitions it lost are another member's to commit, and commits it made for
   * the earlier assignment may have been refused), and each partition starts from its
   * committed offset (or, where that is unknown, commits whatever it completes next).
   */
  assigned(partitions: readonly { topic: string; partition: number; offset?: number }[]): void {
    this.partitions.clear();
    for (const p of partitions) this.progress(p.topic, p.partition).committed = p.offset ?? -1;
  }

  /** Every record of a fetched batch is now held by one unit of work. */
  takeAll(m: RecordsMessage): void {
    const p = this.progress(m.topic, m.partition);
    for (const r of m.records) {
      p.order.push(r.offset);
      p.holding.set(r.offset, (p.holding.get(r.offset) ?? 0) + 1);
    }
  }

  /** A unit of work now holds the record at `offset` (a record redelivered and taken twice is held twice). */
  take(topic: string, partition: number, offset: number): void {
    const p = this.progress(topic, partition);
    p.order.push(offset);
    p.holding.set(offset, (p.holding.get(offset) ?? 0) + 1);
  }

  /** Records held by nobody any more, from the front, are done: commits each partition whose low-water mark moved. */
  release(ctx: Context, offsets: readonly { topic: string; partition: number; offset: number }[]): void {
    const touched = new Set<PartitionProgress>();
    for (const o of offsets) {
      const p = this.progress(o.topic, o.partition);
      p.holding.set(o.offset, (p.holding.get(o.offset) ?? 1) - 1);
      touched.add(p);
    }
    for (const p of touched) this.advance(ctx, p);
  }

  /** As `release`, for offsets kept flat: [topic index into `topics`, partition, offset, …]. */
  releaseFlat(ctx: Context, topics: readonly string[], flat: readonly number[]): void {
    const touched = new Set<PartitionProgress>();
    for (let i = 0; i < flat.length; i += 3) {
      const p = this.progress(topics[flat[i]], flat[i + 1]);
      const o = flat[i + 2];
      p.holding.set(o, (p.holding.get(o) ?? 1) - 1);
      touched.add(p);
    }
    for (const p of touched) this.advance(ctx, p);
  }

  private advance(ctx: Context, p: PartitionProgress): void {
    let next = -1;
    while (p.head < p.order.length && (p.holding.get(p.order[p.head]) ?? 0) <= 0) {
      const o = p.order[p.head++];
      p.holding.delete(o);
      next = Math.max(next, o + 1);
    }
    if (p.head > 4096 && p.head * 2 > p.order.length) {
      p.order.splice(0, p.head);
      p.head = 0;
    }
    if (next > p.committed) {
      p.committed = next;
      ctx.commit(p.topic, p.partition, next);
    }
  }

  /** Records taken and not yet done, over every partition. */
  get held(): number {
    let n = 0;
    for (const ps of this.partitions.values()) for (const p of ps) if (p !== undefined) n += p.order.length - p.head;
    return n;
  }
}
