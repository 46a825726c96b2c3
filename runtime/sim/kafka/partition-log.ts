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
  /**
   * While the followers are stalled (a leader-failover fault): the offset they have
   * replicated to, which is the high watermark, and the producers' sequences then. Null
   * when they keep up (every append is replicated at once, as with a healthy ISR).
   */
  private replicated: { readonly end: number; readonly lastSeqByProducer: ReadonlyMap<number, number> } | null = null;

  constructor(readonly topic: string, readonly partition: number) {}

  /** The log end offset (next offset to be written; the high watermark with one replica). */
  get end(): number {
    return this.base + this.records.length - this.head;
  }

  /** The high watermark: consumers read up to here, and acks=all producers are answered once it passes their records. */
  get visibleEnd(): number {
    return this.replicated === null ? this.end : this.replicated.end;
  }

  get replicating(): boolean {
    return this.replicated === null;
  }

  /** Whether a producer's batch ending at `lastSeq` was on the followers too (replicated before any stall). */
  replicatedSeq(producerId: number, lastSeq: number): boolean {
    if (this.replicated === null) return true;
    const seq = this.replicated.lastSeqByProducer.get(producerId);
    return seq !== undefined && lastSeq <= seq;
  }

  /** The followers stop copying: what is appended from now on lives on the leader alone. */
  stallReplication(): void {
    if (this.replicated === null) this.replicated = { end: this.end, lastSeqByProducer: new Map(this.lastSeqByProducer) };
  }

  /**
   * The leader fails and a follower takes over with what it replicated: records past the
   * high watermark are gone, and so is the producer state they carried. Returns how many.
   */
  failOver(): number {
    if (this.replicated === null) return 0;
    const lost = this.end - this.replicated.end;
    this.records.length -= lost;
    this.lastSeqByProducer.clear();
    for (const [id, seq] of this.replicated.lastSeqByProducer) this.lastSeqByProducer.set(id, seq);
    this.replicated = null;
    return lost;
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

  /** Up to `max` records from `offset` (clamped to the retained range, and below the high watermark). */
  read(offset: number, max: number): KafkaRecord[] {
    const from = Math.max(offset, this.base) - this.base + this.head;
    const to = Math.min(this.visibleEnd - this.base + this.head, from + max);
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
