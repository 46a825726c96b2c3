// A consuming actor's kafkajs consumer: one consumer-group member per actor per
// process, so worker processes share the partitions of a group. Fetched records go
// to the actor as `$records` batches of at most maxPollRecords; the fetch position
// moves on as each batch is handled, but offsets are committed only when the
// behaviour asks (ctx.commit). After a crash of the actor the partitions it read go
// back to their committed offsets, so what it had not committed comes again.
import type { Consumer, Kafka } from 'kafkajs';
import type { ConsumerSpec } from '../sim/kernel.js';
import type { LiveActor } from './live-actor.js';

export interface ConsumerNaming {
  /** The broker's name of a scenario topic (runs are kept apart by a prefix). */
  topic(name: string): string;
  /** The scenario's name of a broker topic. */
  logical(brokerTopic: string): string;
  group(name: string): string;
}

export class LiveConsumer {
  private consumer: Consumer | undefined;
  /** Partitions this member was handed records of: the ones to rewind after a crash. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly actor: LiveActor,
    private readonly spec: ConsumerSpec,
    private readonly naming: ConsumerNaming,
    private readonly onError: (err: unknown) => void,
    /** A slow-consumer fault: how long to hold the next batch back. */
    private readonly delayMs: () => number = () => 0,
    private readonly log: (line: string) => void = () => {},
    /** Counts into the run's counters: failed offset commits, consumers started again. */
    private readonly count: (metric: string) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const c = this.kafka.consumer({
      groupId: this.naming.group(this.spec.group),
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxWaitTimeInMs: this.spec.fetchMaxWaitMs ?? 100,
      // fetch.min.bytes in records, at about 100 bytes a record.
      minBytes: Math.max(1, (this.spec.fetchMinRecords ?? 1) * 100),
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3_000 },
    });
    this.consumer = c;
    // Group membership is where a live run can stall silently: say what happens to it.
    const group = this.spec.group;
    c.on(c.events.CRASH, (e) => {
      // kafkajs restarts a consumer after a retriable error only; after any other (seen
      // across a broker restart) the member would be gone for good and its partitions'
      // records would wait forever. A service's supervisor starts it again: so do we.
      this.log(`${group}: consumer crashed (${e.payload.error.message}); ${e.payload.restart ? 'kafkajs restarts it' : 'starting a new one'}`);
      if (!e.payload.restart) this.relaunch(c);
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      this.assigned.clear();
      for (const [t, ps] of Object.entries(e.payload.memberAssignment)) for (const p of ps as number[]) this.assigned.add(`${t}\u0000${p}`);
      // The behaviour hears of it before the new assignment's records (its mailbox is in order).
      this.actor.deliver({
        type: '$assigned',
        partitions: Object.entries(e.payload.memberAssignment).flatMap(([t, ps]) => (ps as number[]).map((partition) => ({ topic: this.naming.logical(t), partition }))),
      });
      this.log(`${group}: joined (${Object.entries(e.payload.memberAssignment).map(([t, ps]) => `${this.naming.logical(t)}[${(ps as number[]).join(',')}]`).join(' ')})`);
    });
    c.on(c.events.STOP, () => this.log(`${group}: consumer stopped`));
    // A broker that has just started may not know the topics yet: what it calls retriable is retried.
    for (let attempt = 1; ; attempt++) {
      try {
        await c.connect();
        await c.subscribe({ topics: this.spec.topics.map((t) => this.naming.topic(t)), fromBeginning: true });
        break;
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable !== true || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const max = this.spec.maxPollRecords ?? 500;
    void c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const topic = this.naming.logical(batch.topic);
        this.seen.add(`${batch.topic}\u0000${batch.partition}`);
        for (let i = 0; i < batch.messages.length; i += max) {
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + max);
          const records = chunk.map((m) => ({
            offset: Number(m.offset),
            key: m.key === null ? '' : m.key.toString(),
            value: m.value === null ? null : JSON.parse(m.value.toString()) as unknown,
          }));
          const hold = this.delayMs();
          if (hold > 0) {
            await new Promise((r) => setTimeout(r, hold));
            await heartbeat();
          }
          const inc = this.actor.incarnation;
          const threw = await this.actor.deliverAndWait({ type: '$records', topic, partition: batch.partition, records });
          // The actor crashed on these: its rewind decides where reading resumes.
          if (inc !== this.actor.incarnation) return;
          if (threw !== undefined && !(await this.handleError(topic, batch.partition, records, threw, () => isRunning() && !isStale(), heartbeat))) return;
          resolveOffset(chunk[chunk.length - 1].offset);
          await heartbeat();
        }
      },
    }).catch(this.onError);
  }

  private stopped = false;

  /** Whether a behaviour's throw on a batch is this consumer's to handle (its group dead-letters), not a crash. */
  get handlesErrors(): boolean {
    return this.spec.deadLetterTopic !== undefined;
  }

  /**
   * The behaviour threw on a batch (its writes undone), as the simulator's consumer handles
   * it: the batch again up to maxAttempts (100 ms x attempt apart), then its records one by
   * one, and a record that still fails goes to the dead-letter topic with the reason and
   * where it came from; reading moves past it only once the broker has the dead letter.
   * False when the partition went elsewhere (or the actor crashed) meanwhile.
   */
  private async handleError(topic: string, partition: number, records: { offset: number; key: string; value: unknown }[], reason: string,
    ours: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    const max = this.spec.maxAttempts ?? 3;
    const inc = this.actor.incarnation;
    /** Delivers `rs` again, after 100 ms x `wait` (0: at once, a first try); what it threw, if it did. */
    const again = async (rs: typeof records, wait: number): Promise<string | undefined> => {
      if (wait > 0) {
        this.count('kafka.processingRetries');
        await new Promise((r) => setTimeout(r, 100 * wait));
      }
      if (!ours() || inc !== this.actor.incarnation) throw new Left();
      const threw = await this.actor.deliverAndWait({ type: '$records', topic, partition, records: rs });
      if (inc !== this.actor.incarnation) throw new Left();
      // Retries and single records take a while: the group must still hear from this member.
      await heartbeat();
      return threw;
    };
    try {
      let threw: string | undefined = reason;
      for (let attempt = 2; threw !== undefined && attempt <= max; attempt++) threw = await again(records, attempt - 1);
      if (threw === undefined) return true;
      for (const r of records) {
        // One record at a time: each gets its own attempts (a batch of one already had them).
        let why: string | undefined = records.length === 1 ? threw : await again([r], 0);
        for (let attempt = 2; why !== undefined && records.length > 1 && attempt <= max; attempt++) why = await again([r], attempt - 1);
        if (why !== undefined) await this.deadLetter(topic, partition, r, why, ours);
      }
      return true;
    } catch (err) {
      if (err instanceof Left) return false;
      throw err;
    }
  }

  /** Offsets of dead-lettered records not committed past yet, by partition (broker topic). */
  private readonly dead = new Map<string, Set<number>>();
  /** What this member last committed, by partition: where a dead letter at that position is committed past at once. */
  private readonly committedTo = new Map<string, number>();

  private async deadLetter(topic: string, partition: number, r: { offset: number; key: string; value: unknown }, reason: string, ours: () => boolean): Promise<void> {
    const value = typeof r.value === 'object' && r.value !== null ? r.value : { value: r.value };
    for (let attempt = 1; ; attempt++) {
      if (!ours()) throw new Left();
      try {
        await this.actor.produceNow(this.spec.deadLetterTopic!, r.key, { ...value, reason: `poison: ${reason}`, sourceTopic: topic, sourcePartition: partition, sourceOffset: r.offset });
        break;
      } catch {
        await new Promise((res) => setTimeout(res, Math.min(2_000, 100 * attempt)));
      }
    }
    this.count('kafka.deadLettered');
    const k = `${this.naming.topic(topic)}\u0000${partition}`;
    if (!this.committedTo.has(k)) {
      // Not committed by this member yet: where the group stands decides.
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const got = await admin.fetchOffsets({ groupId: this.naming.group(this.spec.group), topics: [this.naming.topic(topic)] });
        const at = Number(got[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
        if (at >= 0) this.committedTo.set(k, at);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    let set = this.dead.get(k);
    if (set === undefined) this.dead.set(k, (set = new Set()));
    set.add(r.offset);
    // Everything before it is committed: past it now (commit() skips dead-lettered offsets).
    if (this.committedTo.get(k) === r.offset) await this.commit([[topic, partition, r.offset]]);
  }

  private relaunch(dead: Consumer): void {
    if (this.stopped || this.consumer !== dead) return;
    this.count(`live.${this.spec.group}.consumersRelaunched`);
    // The dead member owns nothing now; the new one learns its partitions when it joins.
    this.assigned.clear();
    setTimeout(() => {
      if (this.stopped || this.consumer !== dead) return;
      void dead.disconnect().catch(() => {});
      this.start().catch((err) => {
        this.log(`${this.spec.group}: could not start a new consumer (${(err as Error).message}); trying again`);
        this.relaunch(this.consumer!);
      });
    }, 1_000);
  }

  /** Partitions assigned to this member now (broker topic names). */
  private readonly assigned = new Set<string>();
  /** Offset commits that failed (a rebalance under way, the broker away), by partition: tried again while the partition stays here. */
  private readonly owed = new Map<string, { topic: string; partition: number; offset: number }>();
  private retrying: NodeJS.Timeout | undefined;

  async commit(commits: readonly [string, number, number][]): Promise<void> {
    // The broker takes a member's commit for any partition of its group, owned or not: a
    // former owner's commit (say, of a batch it finished resending after a rebalance) would
    // move the new owner's offset back, and what the new owner had done would come again
    // after the next restart. Only partitions assigned to this member now are committed.
    const offsets = commits.map(([topic, partition, offset]) => ({ topic: this.naming.topic(topic), partition, offset }))
      // A commit that reaches a dead-lettered record goes past it (and past any right after it).
      .map((o) => {
        const dead = this.dead.get(`${o.topic}\u0000${o.partition}`);
        let offset = o.offset;
        while (dead?.delete(offset) === true) offset++;
        return { ...o, offset };
      })
      .filter((o) => {
        if (this.assigned.has(`${o.topic}\u0000${o.partition}`)) return true;
        this.count(`live.${this.spec.group}.offsetCommitsDropped`);
        return false;
      });
    if (offsets.length === 0) return;
    if (await this.commitNow(offsets)) {
      for (const o of offsets) {
        const k = `${o.topic}\u0000${o.partition}`;
        this.committedTo.set(k, Math.max(o.offset, this.committedTo.get(k) ?? 0));
        if ((this.owed.get(k)?.offset ?? Infinity) <= o.offset) this.owed.delete(k);
      }
      return;
    }
    this.count(`live.${this.spec.group}.offsetCommitsFailed`);
    // A lost commit is not harmless: if no later record of that partition comes, nothing
    // would commit it again, and its group would look behind for ever (found by CI: a run
    // that never drained after a worker was killed). Owed commits are retried, but only
    // while the partition is still ours: a new owner commits its own progress, and ours
    // arriving after it would move its offset back.
    for (const o of offsets) {
      const k = `${o.topic}\u0000${o.partition}`;
      if ((this.owed.get(k)?.offset ?? -1) < o.offset) this.owed.set(k, o);
    }
    this.retrying ??= setInterval(() => void this.payOwed(), 1_000);
  }

  private async payOwed(): Promise<void> {
    for (const [k, o] of [...this.owed]) {
      if (!this.assigned.has(k)) {
        this.owed.delete(k);
        continue;
      }
      if (await this.commitNow([o]) && this.owed.get(k) === o) this.owed.delete(k);
    }
    if (this.owed.size === 0 && this.retrying !== undefined) {
      clearInterval(this.retrying);
      this.retrying = undefined;
    }
  }

  /** Bounded: a commit stuck across a broker restart must not hold the actor's effects forever. */
  private async commitNow(offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<boolean> {
    if (this.consumer === undefined) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }))),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('offset commit timed out')), 10_000))),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Back to the committed offsets of every partition this member read (after the actor crashed). */
  async rewind(): Promise<void> {
    const c = this.consumer;
    if (c === undefined) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const groupId = this.naming.group(this.spec.group);
      const topics = this.spec.topics.map((t) => this.naming.topic(t));
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const t of committed) {
        for (const p of t.partitions) {
          if (!this.seen.has(`${t.topic}\u0000${p.partition}`)) continue;
          let offset = p.offset;
          if (Number(offset) < 0) offset = (await admin.fetchTopicOffsets(t.topic)).find((o) => o.partition === p.partition)?.low ?? '0';
          try {
            c.seek({ topic: t.topic, partition: p.partition, offset });
          } catch {
            // Not assigned to this member any more: its new owner starts from the committed offset anyway.
          }
        }
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retrying !== undefined) clearInterval(this.retrying);
    // kafkajs waits for the batch in hand before it leaves the group: bounded.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.consumer?.disconnect().catch(() => {}),
      new Promise((r) => (timer = setTimeout(r, 10_000))),
    ]);
    clearTimeout(timer);
  }
}

/** The partition went elsewhere or the actor crashed while a failed batch was being handled. */
class Left extends Error {}
