// The Kafka consumer a service actor uses in the simulator: joins its group, fetches
// from the partitions the coordinator assigns (one batch of up to maxPollRecords per
// partition at a time, the next fetched only once the behaviour has handled the last,
// so a slow service builds lag in the log, not in memory), and commits offsets with
// the generation it was assigned in. A new generation resets fetch positions to the
// committed offsets (eager rebalancing): uncommitted records are delivered again.
import type { KafkaRecord, RecordsMessage } from '../../contract.js';
import type { Assignment, FetchResponse, OffsetCommitted, TopicPartitionOffset } from './protocol.js';
import type { ConsumerSpec, SimActor, Simulation } from '../kernel.js';
import { RuntimeAck } from './producer-client.js';

/** A records batch as delivered: which fetch and generation it came from and which attempt this is. */
interface Delivery extends RecordsMessage {
  readonly fetchId: number;
  readonly generation: number;
  readonly attempt: number;
}

interface Owned {
  readonly topic: string;
  readonly partition: number;
  readonly ref: number;
  position: number;
  fetchId: number;
  fetching: boolean;
  /** A batch is with the behaviour; the next fetch waits for it. */
  delivered: boolean;
  /** Records of a batch that kept failing, handed over one at a time to find the poison. */
  singles: KafkaRecord[];
  sentUs: number;
  /** The group's committed offset as this member last set it (from the assignment, then its commits). */
  committed: number;
  /** What the coordinator has confirmed: a commit not confirmed within the request timeout is sent again. */
  acked: number;
  commitSentUs: number;
  /** Offsets dead-lettered at or past `committed` (null: none): the behaviour never saw them, so it never commits past them. */
  dead: Set<number> | null;
}

export class SimConsumer {
  readonly group: string;
  readonly memberId: string;
  private generation = -1;
  /** The latest generation whose `$assigned` the behaviour has handled. */
  private seenGeneration = -1;
  private owned = new Map<number, Owned>();
  private watchdogArmed = false;
  private commitWatchdogArmed = false;
  private readonly maxPollRecords: number;
  private readonly coordinator: number;

  constructor(private readonly sim: Simulation, private readonly host: SimActor, private readonly spec: ConsumerSpec) {
    this.group = spec.group;
    this.memberId = `${host.name}#${host.incarnation}`;
    this.maxPollRecords = spec.maxPollRecords ?? 500;
    this.coordinator = sim.groupCoordinators.get(spec.group)!;
  }

  start(): void {
    this.join();
    this.heartbeat();
    if (this.spec.autoCommit === true) this.armAutoCommit();
  }

  join(): void {
    this.sim.sendRaw(this.coordinator, { type: 'join', member: this.host.id, memberId: this.memberId }, this.host.id);
  }

  /** Heartbeats tell the coordinator our generation; its answer heals a lost join or assignment. */
  private heartbeat(): void {
    this.sim.afterFor(this.host, this.sim.kafka.heartbeatIntervalMs * 1000, () => {
      // A stalled process sends no heartbeat (a long GC pause, a blocked event loop): the first
      // goes out when the stall ends, and one longer than the session timeout costs the member its partitions.
      const stalledUntilUs = this.host.pausedUntilUs;
      if (stalledUntilUs > this.sim.nowUsExact) {
        this.sim.afterFor(this.host, stalledUntilUs - this.sim.nowUsExact, () => this.beat());
        return;
      }
      this.beat();
    });
  }

  private beat(): void {
    this.sim.sendRaw(this.coordinator, { type: 'heartbeat', member: this.host.id, memberId: this.memberId, generation: this.generation }, this.host.id);
    this.heartbeat();
  }

  onAssignment(a: Assignment): void {
    if (a.generation <= this.generation) return;
    this.generation = a.generation;
    this.sim.metrics.count('kafka.rebalances');
    const owned = new Map<number, Owned>();
    for (const tp of a.partitions) {
      const ref = this.sim.topic(tp.topic).partitionRefs[tp.partition];
      owned.set(ref, {
        topic: tp.topic, partition: tp.partition, ref, position: tp.offset,
        fetchId: 0, fetching: false, delivered: false, sentUs: 0, singles: [], committed: tp.offset, acked: tp.offset, commitSentUs: 0, dead: null,
      });
    }
    this.owned = owned;
    this.sim.enqueueLocal(this.host, { type: '$assigned', partitions: a.partitions, generation: a.generation });
    for (const o of owned.values()) this.fetch(o);
  }

  private fetch(o: Owned): void {
    o.fetchId = this.sim.clientRequestId();
    o.fetching = true;
    o.sentUs = this.sim.nowUsExact;
    this.sim.sendRaw(o.ref, {
      type: 'fetch', replyTo: this.host.id, fetchId: o.fetchId, offset: o.position,
      maxRecords: this.maxPollRecords, minRecords: this.spec.fetchMinRecords ?? 1,
      maxWaitMs: this.spec.fetchMaxWaitMs ?? this.sim.kafka.fetchMaxWaitMs,
    }, this.host.id);
    this.armWatchdog();
  }

  onFetched(r: FetchResponse): void {
    const ref = this.sim.topic(r.topic).partitionRefs[r.partition];
    const o = this.owned.get(ref);
    if (o === undefined || !o.fetching || o.fetchId !== r.fetchId) return;
    o.fetching = false;
    const n = r.records.length;
    if (n === 0) {
      this.fetch(o);
      return;
    }
    o.position = r.records[n - 1].offset + 1;
    o.delivered = true;
    this.deliver(o, r.records, 1);
  }

  private deliver(o: Owned, records: readonly KafkaRecord[], attempt: number): void {
    const msg: Delivery = { type: '$records', topic: o.topic, partition: o.partition, records, fetchId: o.fetchId, generation: this.generation, attempt };
    this.sim.enqueueLocal(this.host, msg);
  }

  /**
   * A batch still waiting in the mailbox when a rebalance (or a later fetch) replaced it:
   * Kafka clients drop the records they buffered for revoked partitions, so the behaviour
   * never sees it (it would otherwise handle an old batch after the new generation's, and
   * commit the partition backwards).
   */
  isStale(m: RecordsMessage): boolean {
    const o = this.owned.get(this.sim.topic(m.topic).partitionRefs[m.partition]);
    return o === undefined || !o.delivered || o.fetchId !== (m as Delivery).fetchId;
  }

  get handlesErrors(): boolean {
    return this.spec.deadLetterTopic !== undefined;
  }

  /** The behaviour threw on a batch (its writes are rolled back): retry, split, or dead-letter. */
  onError(m: RecordsMessage, reason: string): void {
    const d = m as Delivery;
    const o = this.owned.get(this.sim.topic(m.topic).partitionRefs[m.partition]);
    if (o === undefined || !o.delivered || o.fetchId !== d.fetchId) return;
    const max = this.spec.maxAttempts ?? 3;
    if (d.attempt < max) {
      this.sim.metrics.count('kafka.processingRetries');
      this.sim.afterFor(this.host, 100_000 * d.attempt, () => this.deliver(o, m.records, d.attempt + 1));
      return;
    }
    if (m.records.length > 1) {
      o.singles = m.records.slice(1);
      this.deliver(o, [m.records[0]], 1);
      return;
    }
    // Dead-letter it, and move past it only once the broker has the dead letter; if that
    // fails, the record is processed (and fails) again, and dead-lettered again.
    const r = m.records[0];
    const value = typeof r.value === 'object' && r.value !== null ? r.value : { value: r.value };
    const ack = new RuntimeAck(
      () => {
        this.sim.metrics.count('kafka.deadLettered');
        this.skipDeadLetter(o, r.offset);
        this.onProcessed(m);
      },
      () => this.sim.afterFor(this.host, 100_000, () => this.deliver(o, m.records, max)),
    );
    this.host.producer.produce(this.spec.deadLetterTopic!, r.key, { ...value, reason: `poison: ${reason}`, sourceTopic: m.topic, sourcePartition: m.partition, sourceOffset: r.offset }, ack);
    this.host.producer.flush();
  }

  /** The behaviour finished a batch: fetch the next one if the partition is still ours. */
  onProcessed(m: RecordsMessage): void {
    const ref = this.sim.topic(m.topic).partitionRefs[m.partition];
    const o = this.owned.get(ref);
    if (o === undefined || !o.delivered || o.fetchId !== (m as Delivery).fetchId) return;
    const next = o.singles.shift();
    if (next !== undefined) {
      this.deliver(o, [next], 1);
      return;
    }
    o.delivered = false;
    this.fetch(o);
  }

  /**
   * Offset commits a behaviour asked for: the first `n` entries of a flat [topic, partition,
   * offset, …] list. A commit that reaches a dead-lettered record goes past it (and past any
   * dead letters right after it): the behaviour never saw them, so it never would.
   */
  commit(flat: readonly unknown[], n: number): void {
    // For the generation the behaviour has been told of. A batch a rebalance replaced never
    // reaches it (the kernel drops it; see isStale), but work it finishes later (an answer
    // to a call it made) may commit between this client's rejoin and the behaviour's
    // `$assigned`: a single-threaded client (the Java consumer, whose rebalance listener runs
    // inside poll) has no such window, so that commit goes out for the generation the
    // behaviour knows, and is refused, rather than move the new owner's offsets back.
    const stale = this.seenGeneration < this.generation;
    const offsets: TopicPartitionOffset[] = [];
    for (let i = 0; i < n; i += 3) {
      const topic = flat[i] as string;
      const partition = flat[i + 1] as number;
      let offset = flat[i + 2] as number;
      const o = stale ? undefined : this.owned.get(this.sim.topic(topic).partitionRefs[partition]);
      if (o !== undefined) {
        if (o.dead !== null) while (o.dead.delete(offset)) offset++;
        o.committed = offset;
      }
      offsets.push({ topic, partition, offset });
    }
    this.sendCommit(offsets, stale ? this.seenGeneration : this.generation);
  }

  /** The behaviour has handled the `$assigned` of `generation`: its commits speak for it from now on. */
  assignedSeen(generation: number): void {
    if (generation > this.seenGeneration) this.seenGeneration = generation;
  }

  private sendCommit(offsets: TopicPartitionOffset[], generation = this.generation): void {
    const now = this.sim.nowUsExact;
    for (const x of offsets) {
      const o = this.owned.get(this.sim.topic(x.topic).partitionRefs[x.partition]);
      if (o !== undefined) o.commitSentUs = now;
    }
    this.sim.sendRaw(this.coordinator, { type: 'commit', member: this.host.id, memberId: this.memberId, generation, offsets }, this.host.id);
    this.armCommitWatchdog();
  }

  /** The coordinator answered a commit: applied (confirmed), or refused (the partitions are someone else's now: nothing to retry). */
  onCommitted(m: OffsetCommitted): void {
    // An answer to a commit sent in an earlier generation (answered after the rebalance) says
    // nothing of this generation's commits: a refusal must not stop their retry.
    if (m.generation !== this.generation) return;
    for (const x of m.offsets) {
      const o = this.owned.get(this.sim.topic(x.topic).partitionRefs[x.partition]);
      if (o === undefined) continue;
      if (!m.ok) o.acked = o.committed;
      else if (o.committed === x.offset) o.acked = x.offset;
    }
  }

  /**
   * A commit lost on the way (a cut link) is sent again after the request timeout, as Kafka
   * clients retry theirs: the latest offset of each partition not yet confirmed.
   */
  private armCommitWatchdog(): void {
    if (this.commitWatchdogArmed) return;
    this.commitWatchdogArmed = true;
    const timeoutUs = this.sim.kafka.requestTimeoutMs * 1000;
    this.sim.afterFor(this.host, timeoutUs, () => {
      this.commitWatchdogArmed = false;
      const now = this.sim.nowUsExact;
      const again: TopicPartitionOffset[] = [];
      let waiting = false;
      for (const o of this.owned.values()) {
        if (o.acked === o.committed) continue;
        waiting = true;
        if (now - o.commitSentUs >= timeoutUs) again.push({ topic: o.topic, partition: o.partition, offset: o.committed });
      }
      if (again.length > 0) {
        this.sim.metrics.count('kafka.commitRetries');
        this.sendCommit(again);
      } else if (waiting) this.armCommitWatchdog();
    });
  }

  /**
   * A record is on the dead-letter topic: if everything before it is committed, commit past it
   * now (Kafka's dead-letter recoverers commit the recovered record's offset); otherwise the
   * behaviour's commit that reaches it goes past it.
   */
  private skipDeadLetter(o: Owned, offset: number): void {
    if (this.owned.get(o.ref) !== o) return; // the partition went elsewhere: its new owner reads it again
    if (o.committed !== offset) {
      if (offset > o.committed) (o.dead ??= new Set()).add(offset);
      return;
    }
    let next = offset + 1;
    if (o.dead !== null) while (o.dead.delete(next)) next++;
    o.committed = next;
    this.sendCommit([{ topic: o.topic, partition: o.partition, offset: next }]);
  }

  /** Auto-commit: positions fetched so far, whether or not the behaviour has handled them. */
  private armAutoCommit(): void {
    const interval = (this.spec.autoCommitIntervalMs ?? 5000) * 1000;
    this.sim.afterFor(this.host, interval, () => {
      const offsets: TopicPartitionOffset[] = [];
      for (const o of this.owned.values()) offsets.push({ topic: o.topic, partition: o.partition, offset: o.position });
      if (offsets.length > 0 && this.generation >= 0) {
        this.sim.sendRaw(this.coordinator, { type: 'commit', memberId: this.memberId, generation: this.generation, offsets }, this.host.id);
      }
      this.armAutoCommit();
    });
  }

  /** A fetch lost with a crashed partition leader is sent again after the request timeout. */
  private armWatchdog(): void {
    if (this.watchdogArmed) return;
    this.watchdogArmed = true;
    const timeoutUs = ((this.spec.fetchMaxWaitMs ?? this.sim.kafka.fetchMaxWaitMs) + this.sim.kafka.requestTimeoutMs) * 1000;
    this.sim.afterFor(this.host, timeoutUs, () => {
      this.watchdogArmed = false;
      const now = this.sim.nowUsExact;
      let pending = false;
      for (const o of this.owned.values()) {
        if (!o.fetching) continue;
        pending = true;
        if (now - o.sentUs >= timeoutUs) this.fetch(o);
      }
      if (pending) this.armWatchdog();
    });
  }
}
