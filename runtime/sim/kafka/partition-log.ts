// The durable part of a partition: its log (with a retention point) and the
// idempotent-producer state. It survives a crash of the partition actor, as a
// broker's log survives a restart.
import type { KafkaRecord } from '../../contract.js';

export class PartitionLog {
  /** Offset of records[0]; everything below was removed by retention. */
  private base = 0;
  private records: KafkaRecord[] = [];
  /** Last sequence number appended per idempotent producer id. */
  readonly lastSeqByProducer = new Map<number, number>();
  /** Appends seen, for the run result. */
  appended = 0;

  constructor(readonly topic: string, readonly partition: number) {}

  /** The log end offset (next offset to be written; the high watermark with one replica). */
  get end(): number {
    return this.base + this.records.length;
  }

  get start(): number {
    return this.base;
  }

  append(key: string, value: unknown): number {
    const offset = this.end;
    this.records.push({ offset, key, value });
    this.appended++;
    return offset;
  }

  /** Up to `max` records from `offset` (clamped to the retained range). */
  read(offset: number, max: number): KafkaRecord[] {
    const from = Math.max(offset, this.base) - this.base;
    const to = Math.min(this.records.length, from + max);
    return from >= to ? [] : this.records.slice(from, to);
  }

  /**
   * Retention: drops records below `offset`. Called at every commit, so the array is cut
   * only once a quarter of it (and at least 64 records) can go: amortised O(1) per record.
   */
  retainFrom(offset: number): void {
    const n = Math.min(offset, this.end) - this.base;
    if (n < 64 || n * 4 < this.records.length) return;
    this.records = this.records.slice(n);
    this.base += n;
  }

  /** Every retained record (for checks and tests). */
  *all(): IterableIterator<KafkaRecord> {
    yield* this.records;
  }
}
