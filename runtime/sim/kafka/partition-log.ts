// The durable part of a partition: its log (with a retention point) and the
// idempotent-producer state. It survives a crash of the partition actor, as a
// broker's log survives a restart.
import type { KafkaRecord } from '../../contract.js';

export class PartitionLog {
  /** Offset of records[head]; everything below was removed by retention. */
  private base = 0;
  /** Records before `head` are retained no more (cleared for the GC); the array is compacted now and then. */
  private head = 0;
  private records: (KafkaRecord | undefined)[] = [];
  /** Last sequence number appended per idempotent producer id. */
  readonly lastSeqByProducer = new Map<number, number>();
  /** Appends seen, for the run result. */
  appended = 0;

  constructor(readonly topic: string, readonly partition: number) {}

  /** The log end offset (next offset to be written; the high watermark with one replica). */
  get end(): number {
    return this.base + this.records.length - this.head;
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
    const from = Math.max(offset, this.base) - this.base + this.head;
    const to = Math.min(this.records.length, from + max);
    return from >= to ? [] : (this.records.slice(from, to) as KafkaRecord[]);
  }

  /**
   * Retention: drops records below `offset`. Called at every commit: the front moves and
   * what it passes is cleared; the array is compacted only once half of it is cleared (and
   * at least 1,024 records), so each record is copied O(1) times however many are kept.
   */
  retainFrom(offset: number): void {
    const n = Math.min(offset, this.end) - this.base;
    if (n <= 0) return;
    const records = this.records;
    for (let i = this.head; i < this.head + n; i++) records[i] = undefined;
    this.head += n;
    this.base += n;
    if (this.head >= 1_024 && this.head * 2 >= records.length) {
      this.records = records.slice(this.head);
      this.head = 0;
    }
  }

  /** Every retained record (for checks and tests). */
  *all(): IterableIterator<KafkaRecord> {
    for (let i = this.head; i < this.records.length; i++) yield this.records[i]!;
  }
}
