// One process of a live run: the actors placed here (each in a nact actor), their
// stores (a mirror per store, shared by the actors of one service), one idempotent
// kafkajs producer, a consumer per consuming actor, and the routing of sends: to a
// local actor, over HTTP to an intake endpoint or to a service in a process of its own
// (placement 'service', found by name among the run's peers), or to another process (`remote`).
//
// Refs are global: ref = process index * REF_STRIDE + the actor's index in the
// topology, so a `replyTo` carried in a message means the same actor everywhere.
import { start, stop as stopSystem } from 'nact';
import type pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import type { ActorRef, Key } from '../contract.js';
import { SimStore, type WriteRecord } from '../sim/store.js';
import { Metrics } from '../sim/metrics.js';
import { PgStore } from './pg-store.js';
import { LiveActor } from './live-actor.js';
import { LiveConsumer, type ConsumerNaming } from './live-consumer.js';
import { JAVA_COMPATIBLE_PARTITIONER } from './kafka-connection.js';
import { HttpIntake, HttpSender, exchangeIds } from './http-intake.js';
import type { LiveActorSpec, LiveHostTopology } from './topology.js';
import { ProcessFaults, type LiveFault } from './live-faults.js';
import type { ProcessStats } from './worker-protocol.js';

export const REF_STRIDE = 1_000;
/** A produce not acknowledged within this long counts as failed (Kafka's delivery.timeout.ms, shorter: runs are short). */
const DELIVERY_TIMEOUT_MS = 20_000;

/** A store's mirror with the PostgreSQL connection it commits to; shared by the actors of one service in this process. */
export class SharedStore {
  readonly mirror: SimStore;
  private readonly pg: PgStore;

  constructor(pool: pg.Pool, readonly name: string, pgName: string, readonly sharedAcrossProcesses: boolean, tables: Readonly<Record<string, () => Map<Key, unknown>>> = {}) {
    this.mirror = new SimStore(name);
    for (const [table, make] of Object.entries(tables)) this.mirror.useTable(table, make());
    this.pg = new PgStore(pool, pgName);
  }

  load(): Promise<unknown> {
    return this.pg.load(this.mirror);
  }

  commit(writes: readonly WriteRecord[], atMs: number): Promise<void> {
    return this.pg.commit(writes, atMs);
  }

  /** After a refused commit: the mirror as the database has it (for every actor sharing it). */
  private reloading: Promise<unknown> | undefined;
  reload(): Promise<unknown> {
    this.reloading ??= this.pg.load(this.mirror).finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /** Rows other processes changed since this mirror looked. */
  refresh(): Promise<void> {
    return this.pg.refresh(this.mirror);
  }
}

export interface NodeOptions {
  /** 0: the coordinator (load generator and API services); 1…N: worker processes. */
  readonly index: number;
  readonly topology: LiveHostTopology;
  readonly hosts: (spec: LiveActorSpec) => boolean;
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly naming: ConsumerNaming & { store(name: string): string };
  readonly seed: number;
  /** Wall-clock ms of the run's start, the same in every process: ctx.now() counts from it. */
  readonly t0: number;
  /** The address other processes reach this one's endpoints by (default 127.0.0.1). */
  readonly host?: string;
  /** Sends to actors in other processes. */
  readonly remote?: (ref: number, msg: unknown) => void;
  readonly log?: (line: string) => void;
  /** Where this process counts and records (default: its own). */
  readonly metrics?: Metrics;
  readonly faults?: readonly LiveFault[];
  /** Called with each actor error as it happens (a worker reports it at once: a kill would lose it). */
  readonly onError?: (e: { tMs: number; actor: string; message: string }) => void;
  /** A fault of `faults` (by index) fired in this process. */
  readonly onFaultFired?: (index: number) => void;
}

export class LiveNode {
  readonly index: number;
  readonly system = start();
  readonly metrics: Metrics;
  /** The live faults this process applies (lost answers and acks, slow consumers). */
  readonly faults: ProcessFaults;
  readonly actors = new Map<string, LiveActor>();
  private readonly byRef = new Map<number, LiveActor>();
  private readonly specs: readonly LiveActorSpec[];
  private readonly stores = new Map<string, SharedStore>();
  /** Resolves to the producer in use; replaced after a failed or overdue send. */
  private producer: Promise<Producer> | undefined;
  private producerGeneration = 0;
  private readonly consumers: LiveConsumer[] = [];
  private sender: HttpSender | undefined;
  /** Every HTTP endpoint of this process, by actor: the intake and the services placed here. */
  private readonly endpoints = new Map<string, HttpIntake>();
  private readonly nextExchange = exchangeIds();
  /** Services in other processes, by actor name: reached over HTTP. */
  private readonly peers = new Map<string, HttpSender>();
  readonly errors: { tMs: number; actor: string; message: string }[] = [];
  stopped = false;

  constructor(private readonly o: NodeOptions) {
    this.index = o.index;
    this.specs = o.topology.actors;
    this.metrics = o.metrics ?? new Metrics();
    this.faults = new ProcessFaults(o.faults ?? [], o.seed, o.index, o.onFaultFired ?? (() => {}));
  }

  nowMs(): number {
    return Date.now() - this.o.t0;
  }

  log(line: string): void {
    this.o.log?.(line);
  }

  count(metric: string, by = 1): void {
    this.metrics.count(metric, by);
  }

  actorError(actor: string, err: unknown): void {
    const e = { tMs: Math.round(this.nowMs()), actor, message: (err as Error)?.message ?? String(err) };
    if (this.errors.length < 100) this.errors.push(e);
    this.count('live.actorErrors');
    this.o.onError?.(e);
  }

  /** Whether the fault plan crashes `actor` at `point` (a crash point it declares, or a step boundary) now. */
  crashPointFires(actor: string, point: string): boolean {
    return this.faults.crashAt(actor, point);
  }

  async start(): Promise<void> {
    const placed = this.specs.filter(this.o.hosts);
    // As in the simulator, an actor without a named store has one of its own.
    const storeOf = (spec: LiveActorSpec) => spec.store ?? spec.name;
    for (const spec of placed) {
      if (this.stores.has(storeOf(spec))) continue;
      // Worker processes run copies of the same actors: their stores have several writers.
      const s = new SharedStore(this.o.pool, storeOf(spec), this.o.naming.store(storeOf(spec)), this.index > 0, this.o.topology.tables?.[storeOf(spec)]);
      await s.load();
      this.stores.set(storeOf(spec), s);
    }
    this.producer = this.newProducer();
    await this.producer;
    for (const spec of placed) {
      const i = this.specs.indexOf(spec);
      const a = new LiveActor(this, spec.name, this.index * REF_STRIDE + i, spec.behaviour, this.stores.get(storeOf(spec)), this.o.seed);
      this.actors.set(spec.name, a);
      this.byRef.set(a.ref, a);
      if (spec.http === true || spec.place === 'service') {
        const endpoint = new HttpIntake(a, (m) => this.count(m), () => this.faults.loseAnswer(), undefined, this.nextExchange);
        await endpoint.listen(this.o.host);
        this.endpoints.set(spec.name, endpoint);
      }
      // The load generator of this process reaches its intake through the endpoint, like any client.
      if (spec.http === true) this.sender = new HttpSender(this.endpoints.get(spec.name)!.url, this.o.topology.requestTimeoutMs, (m) => this.count(m));
    }
    // Consumers join their groups first (seconds); what they fetch meanwhile waits for its
    // actor's start. Then every actor starts at once, the load generator among them.
    for (const spec of placed) {
      if (spec.consumes === undefined) continue;
      const a = this.actors.get(spec.name)!;
      const c = new LiveConsumer(this.o.kafka, a, spec.consumes, this.o.naming, (err) => this.actorError(spec.name, err), () => this.faults.consumerDelay(spec.name), (line) => this.log(line), (m) => this.count(m));
      a.consumer = c;
      this.consumers.push(c);
      await c.start();
    }
    for (const a of this.actors.values()) a.start();
  }

  /** The URLs of the services placed in this process (what the other processes call). */
  get urls(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const spec of this.specs) if (spec.place === 'service' && this.endpoints.has(spec.name)) out[spec.name] = this.endpoints.get(spec.name)!.url;
    return out;
  }

  /** Where the services of other processes listen (again after one of them restarted). */
  setPeers(urls: Readonly<Record<string, string>>): void {
    for (const [name, url] of Object.entries(urls)) {
      if (this.actors.has(name) || this.peers.get(name)?.url === url) continue;
      this.peers.get(name)?.close();
      this.peers.set(name, new HttpSender(url, this.o.topology.requestTimeoutMs, (m) => this.count(m)));
    }
  }

  refOf(name: string): number {
    const local = this.actors.get(name);
    if (local !== undefined) return local.ref;
    const i = this.specs.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no actor named "${name}" in this topology`);
    if (this.specs[i].place === 'worker') throw new Error(`"${name}" runs in every worker: send to a ref it gave, not its name`);
    return i; // the coordinator's (process 0) copy
  }

  route(to: ActorRef, msg: unknown, from: LiveActor): void {
    if (typeof to === 'number' && to < 0) {
      for (const e of this.endpoints.values()) {
        if (!e.owns(to)) continue;
        e.reply(to, msg);
        return;
      }
      this.count('live.http.answersAfterTimeout');
      return;
    }
    const ref = typeof to === 'number' ? to : this.refOf(to);
    const spec = this.specs[ref % REF_STRIDE];
    // A service in a process of its own: here, or over HTTP, its answer routed to the request's `replyTo`.
    if (spec?.place === 'service') {
      const here = this.actors.get(spec.name);
      if (here !== undefined) {
        here.deliver(msg);
        return;
      }
      const peer = this.peers.get(spec.name);
      if (peer === undefined) {
        this.count('live.sendsToNobody');
        return;
      }
      const replyTo = (msg as { replyTo?: ActorRef }).replyTo;
      peer.send(msg, (reply) => {
        if (replyTo !== undefined) this.route(replyTo, reply, from);
      });
      return;
    }
    // The load generator reaches an intake service through its real HTTP endpoint.
    if (spec?.http === true && this.specs.find((s) => s.name === from.name)?.place === 'edge' && this.sender !== undefined) {
      this.sender.send(msg, (reply) => from.deliver(reply));
      return;
    }
    const local = this.byRef.get(ref);
    if (local !== undefined) local.deliver(msg);
    else if (Math.floor(ref / REF_STRIDE) !== this.index && this.o.remote !== undefined) this.o.remote(ref, msg);
    else this.count('live.sendsToNobody');
  }

  /** A message from another process. */
  deliverRemote(ref: number, msg: unknown): void {
    const a = this.byRef.get(ref);
    if (a !== undefined) a.deliver(msg);
    else this.count('live.sendsToNobody');
  }

  /** Produces one message's records; a lost-ack fault makes it send them again (duplicates), as a producer retrying would. */
  async produce(actor: string, records: readonly { topic: string; key: string; value: unknown }[]): Promise<unknown> {
    const sent = await this.produceOnce(records);
    if (!this.faults.loseProduceAck(actor)) return sent;
    this.count('live.producesRetriedAfterLostAck');
    return this.produceOnce(records);
  }

  private async newProducer(): Promise<Producer> {
    const p = this.o.kafka.producer({
      createPartitioner: JAVA_COMPATIBLE_PARTITIONER,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
    await p.connect();
    return p;
  }

  /**
   * A send that failed or is overdue: the producer may be wedged (a kafkajs send can hang
   * for good across a broker restart; found by the broker-restart fault, which left the
   * outbox relay waiting forever). Later sends go through a new producer with a new id.
   */
  private replaceProducer(generation: number): void {
    if (generation !== this.producerGeneration || this.stopped) return;
    this.producerGeneration++;
    this.count('live.producersReplaced');
    const old = this.producer;
    this.producer = this.newProducer();
    this.producer.catch(() => {}); // the next send reports it
    void old?.then((p) => p.disconnect()).catch(() => {});
  }

  private async produceOnce(records: readonly { topic: string; key: string; value: unknown }[]): Promise<unknown> {
    if (this.producer === undefined) throw new Error('no producer');
    const generation = this.producerGeneration;
    let producer: Producer;
    try {
      producer = await this.producer;
    } catch (err) {
      this.replaceProducer(generation);
      throw err;
    }
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of records) {
      const t = this.o.naming.topic(r.topic);
      let l = byTopic.get(t);
      if (l === undefined) byTopic.set(t, (l = []));
      l.push({ key: r.key, value: JSON.stringify(r.value) });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      // Kafka's delivery.timeout.ms: a produce not acknowledged by then has failed (the sender publishes again).
      return await Promise.race([
        producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not acknowledged within ${DELIVERY_TIMEOUT_MS / 1000} s`)), DELIVERY_TIMEOUT_MS))),
      ]);
    } catch (err) {
      this.replaceProducer(generation);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops consuming and producing, lets effects in flight finish (up to `graceMs`), then closes. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // An actor down for a restart will not come back now: its held records must not keep a consumer waiting.
    for (const a of this.actors.values()) a.releaseHeld();
    await Promise.all(this.consumers.map((c) => c.stop()));
    await Promise.race([Promise.all([...this.actors.values()].map((a) => a.settled())), new Promise((r) => setTimeout(r, graceMs))]);
    for (const a of this.actors.values()) a.stop();
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    this.sender?.close();
    for (const p of this.peers.values()) p.close();
    await this.producer?.then((p) => p.disconnect()).catch(() => {});
    stopSystem(this.system);
  }

  /**
   * When a message's effects (writes, sends, produces) last landed, on the run's clock: a
   * run's throughput ends there, as the simulator's ends at its last progress, not at the
   * poll that later finds the pipeline settled.
   */
  lastProgressMs = 0;

  progressed(): void {
    this.lastProgressMs = this.nowMs();
  }

  stats(): ProcessStats {
    let handled = 0;
    let crashes = 0;
    for (const a of this.actors.values()) {
      handled += a.handled;
      crashes += a.crashes;
    }
    return { handled, crashes, lastProgressMs: this.lastProgressMs, lastProgressAgoMs: this.lastProgressMs > 0 ? this.nowMs() - this.lastProgressMs : undefined };
  }
}
