// The deterministic simulation kernel: one virtual clock, one event queue ordered by
// (time, sequence), one seeded PRNG split per component. Actors have a mailbox, a
// number of workers and a service time, so queueing and saturation emerge.
//
// Handling one message follows DESIGN.md's order: compute (the behaviour runs), commit
// its durable writes atomically, perform sends and produces in order, then commit
// consumer offsets. Crashes can strike between those steps and at named crash points.
import { CrashSignal, type ActorRef, type Context, type RecordsMessage } from '../contract.js';
import { EventQueue, SlotPool } from './event-queue.js';
import { HistoryHash } from './history-hash.js';
import { Prng } from './prng.js';
import { SimStore, type WriteRecord } from './store.js';
import { PartitionLog } from './kafka/partition-log.js';
import { partitionBehaviour } from './kafka/partition.js';
import { groupCoordinatorBehaviour, offsetKey } from './kafka/group-coordinator.js';
import { SimProducer } from './kafka/producer-client.js';
import { SimConsumer } from './kafka/consumer-client.js';
import { Metrics } from './metrics.js';

export * from './specs.js';
export { SimActor, type SimTopic } from './sim-actor.js';
import { COMMITTED_RECORDS_KEPT, DEFAULT_KAFKA, DEFAULT_NETWORK, type ActorSpec, type CommitObserver, type ConsumerSpec, type KafkaOptions, type NetworkOptions, type SimOptions, type TopicSpec } from './specs.js';
import { SimActor, type SimTopic } from './sim-actor.js';
import { EventSlots } from './event-slots.js';

const US = 1000;
const DELIVER = 0;
const COMPLETE = 1;
const CALL = 2;
/** The incarnation mark of a message sent ahead whose sender crashed before it left. */
const WITHDRAWN = -3;

/**
 * Fault hook on every network send: returns extra latency in µs (0: none) or -1 to
 * drop the message. Null (the default) costs the dispatch path one comparison.
 */
export type NetworkFilter = (from: number, to: number, msg: unknown) => number;

/**
 * Fault hook on every network send between actors, after the network filter: extra
 * latency in µs for a message that leaves its link's order (0: it keeps its place).
 * Later messages on the link are not held behind it, so they may overtake it.
 */
export type ReorderFilter = (from: number, to: number, msg: unknown) => number;

/** Fault hook before a behaviour handles a records batch: a message makes that handling throw (poison). */
export type PoisonCheck = (a: SimActor, m: RecordsMessage) => string | null;

/** Fault hook on every network delivery to a service's mailbox: false drops (rejects) the message. */
export type DeliveryFilter = (a: SimActor, msg: unknown) => boolean;

export interface CrashPlanHook {
  /** Called when an armed crash point is reached; says whether to crash there. */
  (actor: string, point: string): boolean;
}

export class Simulation {
  readonly seed: number;
  readonly network: NetworkOptions;
  readonly kafka: KafkaOptions;
  readonly metrics = new Metrics();
  readonly hash = new HistoryHash();
  readonly actors: SimActor[] = [];
  readonly stores = new Map<string, SimStore>();
  readonly topics = new Map<string, SimTopic>();
  readonly groupCoordinators = new Map<string, number>();
  private readonly byName = new Map<string, SimActor>();
  private readonly queue = new EventQueue();
  private readonly slots = new SlotPool();
  private readonly ev = new EventSlots();
  private readonly netRng: Prng;
  /**
   * When the last message on each link (from * actors + to) arrives: links are FIFO, as a
   * TCP connection is (a consumer's offset commits must not overtake each other). Sized
   * at start, when the actors are known.
   */
  private linkLastUs = new Float64Array(0);
  private linkStride = 0;
  /** Per-link network options by from * 2^20 + to; empty unless the scenario sets links. */
  private readonly links = new Map<number, NetworkOptions>();
  private readonly commitObservers: CommitObserver[] = [];
  /** Observers of one store's commits only: most checkers read one store, and a call per commit of every store adds up. */
  private readonly storeObservers = new Map<string, CommitObserver[]>();
  private readonly typeCodes = new Map<string, number>();
  private nextTimer = 1;
  private nowUs = 0;
  /** Virtual time of the last delivery that did work (a write, a send, a produce): quiescence detection. */
  lastProgressUs = 0;
  /**
   * The longest delay any actor has set a timer for or sent a message ahead by: no correct
   * pipeline waits longer than that between two steps of progress (a retry timer fires and
   * sends), so a pipeline quiet for much longer with work pending is stuck.
   */
  longestTimerUs = 0;
  /**
   * When the last timer that stands for work falls due: a timer a behaviour sets while doing
   * something (a retry after a refusal, a batch's time-out), not a poller re-arming its own
   * idle tick. The drain does not call a pipeline settled before then.
   */
  workTimersDueUs = 0;
  /** Records topics keep below their groups' committed offsets (see COMMITTED_RECORDS_KEPT): none unless a rewind is planned. */
  private committedRecordsKept = 0;
  /** The type of the message being handled, and the latest re-arm of that same type in this handling (counted only if the handling did something). */
  private handlingType: string | undefined = undefined;
  private handlingRearmDueUs = 0;
  events = 0;
  messagesLost = 0;
  /** Behaviour errors (not crash signals): each one crashes the actor, like an uncaught exception in a service. */
  readonly errors: { tMs: number; actor: string; message: string }[] = [];
  crashPlan: CrashPlanHook | null = null;
  networkFilter: NetworkFilter | null = null;
  reorderFilter: ReorderFilter | null = null;
  deliveryFilter: DeliveryFilter | null = null;
  poisonCheck: PoisonCheck | null = null;
  /** Messages dropped by faults (lost responses, cut links, throttling). */
  messagesDropped = 0;
  private readonly onDeliver: SimOptions['onDeliver'];
  private current: SimActor | null = null;
  // Effect buffers of the message being handled, reused: filled up to the counts and
  // never shrunk (shrinking an array is a slow runtime call on the dispatch path).
  private readonly sends: unknown[] = [];
  /** Sends ahead of the clock: [to, msg, delayUs, …]. */
  private readonly later: unknown[] = [];
  private nLater = 0;
  private readonly produces: unknown[] = [];
  private readonly commits: unknown[] = [];
  private nSends = 0;
  private nProduces = 0;
  private nCommits = 0;
  private readonly ctx: Context;
  private started = false;

  constructor(opts: SimOptions) {
    this.seed = opts.seed;
    this.network = { ...DEFAULT_NETWORK, ...opts.network };
    this.kafka = { ...DEFAULT_KAFKA, ...opts.kafka };
    this.netRng = new Prng(opts.seed, 'network');
    this.onDeliver = opts.onDeliver;
    this.ctx = this.makeContext();
  }

  private producerIds = 0;
  private clientRequests = 0;

  /**
   * A Kafka client request id, unique in the whole simulation: a late answer to a request
   * of an actor's earlier incarnation must never match a request of its new one (a real
   * client's new connection never sees its old connection's answers). Found by property
   * search: a restarted outbox relay took an old produce acknowledgement for its own and
   * deleted an outbox row whose event was never published.
   */
  clientRequestId(): number {
    return ++this.clientRequests;
  }

  /** Fresh per simulation, so ids never depend on what ran before in the process. */
  allocateProducerId(): number {
    return ++this.producerIds;
  }

  get nowUsExact(): number {
    return this.nowUs;
  }

  get nowMs(): number {
    return this.nowUs / US;
  }

  // ---- topology -------------------------------------------------------------

  addTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) throw new Error(`topic "${spec.name}" is defined twice`);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new Error(`topic "${spec.name}" needs a whole number of partitions >= 1, got ${spec.partitions}`);
    }
    const topic: SimTopic = { name: spec.name, logs: [], partitionRefs: [], groups: new Set(), retainAll: spec.retainAll === true };
    for (let p = 0; p < spec.partitions; p++) {
      const log = new PartitionLog(spec.name, p);
      const a = this.addActor({
        name: `kafka:${spec.name}/${p}`,
        behaviour: partitionBehaviour(log),
        serviceTime: this.kafka.partitionServiceMs,
        workers: 1,
        system: true,
      });
      topic.logs.push(log);
      topic.partitionRefs.push(a.id);
    }
    this.topics.set(spec.name, topic);
  }

  addActor(spec: ActorSpec): SimActor {
    if (this.byName.has(spec.name)) throw new Error(`actor "${spec.name}" is defined twice`);
    if (this.started) throw new Error(`actor "${spec.name}" added after the simulation started`);
    const workers = spec.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`actor "${spec.name}" needs workers >= 1, got ${workers}`);
    const storeName = spec.store ?? spec.name;
    let store = this.stores.get(storeName);
    if (store === undefined) {
      store = new SimStore(storeName);
      this.stores.set(storeName, store);
    }
    const rng = new Prng(this.seed, `actor:${spec.name}`);
    const a = new SimActor(this.actors.length, spec.name, spec, store, rng, rng.split('service'));
    this.actors.push(a);
    this.byName.set(spec.name, a);
    if (spec.consumes !== undefined) this.ensureGroup(spec.consumes);
    return a;
  }

  private ensureGroup(c: ConsumerSpec): void {
    for (const t of c.topics) {
      const topic = this.topics.get(t);
      if (topic === undefined) throw new Error(`consumer group "${c.group}" reads topic "${t}", which is not defined (define topics before actors)`);
      topic.groups.add(c.group);
    }
    if (c.deadLetterTopic !== undefined && !this.topics.has(c.deadLetterTopic)) {
      throw new Error(`consumer group "${c.group}" dead-letters to topic "${c.deadLetterTopic}", which is not defined`);
    }
    if (this.groupCoordinators.has(c.group)) return;
    const topics = c.topics.map((t) => ({ name: t, partitions: this.topics.get(t)!.logs.length }));
    const a = this.addActor({
      name: `kafka:group/${c.group}`,
      store: `$group:${c.group}`,
      behaviour: groupCoordinatorBehaviour(c.group, topics, { sessionTimeoutMs: this.kafka.sessionTimeoutMs, checkEveryMs: this.kafka.heartbeatIntervalMs }),
      serviceTime: this.kafka.partitionServiceMs,
      system: true,
    });
    this.groupCoordinators.set(c.group, a.id);
    a.retainsTopics = true;
  }

  /** Latency of one link (one direction), overriding the network's: a far datacentre, a slow hop. */
  setLink(from: string, to: string, opts: Partial<NetworkOptions>): void {
    this.links.set(this.actor(from).id * 1048576 + this.actor(to).id, { ...this.network, ...opts });
  }

  actor(name: string): SimActor {
    const a = this.byName.get(name);
    if (a === undefined) throw new Error(`no actor named "${name}"`);
    return a;
  }

  hasActor(name: string): boolean {
    return this.byName.has(name);
  }

  store(name: string): SimStore {
    const s = this.stores.get(name);
    if (s === undefined) throw new Error(`no store named "${name}"`);
    return s;
  }

  topic(name: string): SimTopic {
    const t = this.topics.get(name);
    if (t === undefined) throw new Error(`no topic named "${name}"`);
    return t;
  }

  /** A behaviour set a timer due at `dueUs`; `rearm`: of the type it is handling (a poller's tick, counted only if the tick did something). */
  private noteTimer(dueUs: number, rearm: boolean): void {
    if (rearm) {
      if (dueUs > this.handlingRearmDueUs) this.handlingRearmDueUs = dueUs;
    } else if (dueUs > this.workTimersDueUs) this.workTimersDueUs = dueUs;
  }

  /** A rewind is planned: topics keep the last committed records it may go back to. */
  keepCommittedRecords(): void {
    this.committedRecordsKept = COMMITTED_RECORDS_KEPT;
  }

  /** An actor is paused (a stall fault): it will act again when the pause ends. */
  hasPausedActor(): boolean {
    for (const a of this.actors) if (a.up && a.pausedUntilUs > this.nowUs) return true;
    return false;
  }

  /** Some live producer still holds records the broker has not acknowledged: the pipeline is not drained. */
  hasUnacknowledgedProduces(): boolean {
    for (const a of this.actors) if (a.up && a.producer !== null && a.producer.hasUnacknowledged) return true;
    return false;
  }

  /** Committed offset of a group on a partition (0 if none). */
  committedOffset(group: string, topic: string, partition: number): number {
    return this.stores.get(`$group:${group}`)?.get<number>('offsets', offsetKey(topic, partition)) ?? 0;
  }

  /** Calls `observer` after each commit of any store, or with `stores`, of those stores only. */
  onCommit(observer: CommitObserver, stores?: readonly string[]): void {
    if (stores === undefined) {
      this.commitObservers.push(observer);
      return;
    }
    for (const name of new Set(stores)) {
      let list = this.storeObservers.get(name);
      if (list === undefined) this.storeObservers.set(name, (list = []));
      list.push(observer);
    }
  }

  // ---- scheduling -------------------------------------------------------------

  /** Runs `fn` at virtual time `atMs` (harness use: load generators, faults). */
  at(atMs: number, fn: () => void): void {
    this.push(Math.max(this.nowUs, Math.round(atMs * US)), CALL, null, null, -1, fn, 0);
  }

  /** Runs `fn` after `delayUs` unless `a` crashes first (client machinery timers). */
  afterFor(a: SimActor, delayUs: number, fn: () => void): void {
    this.push(this.nowUs + delayUs, CALL, a, null, a.incarnation, fn, 0);
  }

  private push(t: number, k: number, a: SimActor | null, m: unknown, inc: number, fn: (() => void) | null, timer: number): number {
    const slot = this.slots.take();
    const ev = this.ev;
    if (slot >= ev.actor.length) ev.ensure(slot + 1);
    ev.kind[slot] = k;
    ev.inc[slot] = inc;
    ev.timer[slot] = timer;
    ev.depart[slot] = 0;
    ev.actor[slot] = a;
    ev.msg[slot] = m;
    ev.fn[slot] = fn;
    this.queue.push(t, slot);
    return slot;
  }

  /** Network send from actor `from` (-1: the harness): after the link's latency; lost if the receiver is down then. */
  sendRaw(to: number, msg: unknown, from = -1): void {
    const target = this.actors[to];
    if (target === undefined) throw new Error(`send to unknown actor ref ${to}`);
    this.transmit(target, msg, from, this.latencyUs(from, to));
  }

  /** One draw of the link's latency, in whole µs. */
  private latencyUs(from: number, to: number): number {
    const n = this.links.size === 0 || from < 0 ? this.network : (this.links.get(from * 1048576 + to) ?? this.network);
    return Math.round((n.jitterMs > 0 ? n.latencyMs + this.netRng.random() * n.jitterMs : n.latencyMs) * US);
  }

  /**
   * A message sent ahead by `a`: it leaves `delayUs` from now. Its latency is drawn now,
   * so a run draws the same latencies whether or not a network fault is planned. With no
   * network fault it is scheduled for delivery at once (one event, not two: this is how
   * the client sends each request); with one, it waits for its departure to be judged then.
   * Either way a crash of `a` before the departure withdraws it, and a pause of `a` holds
   * it until the pause ends.
   */
  private sendAhead(a: SimActor, to: number, msg: unknown, delayUs: number): void {
    const target = this.actors[to];
    if (target === undefined) throw new Error(`send to unknown actor ref ${to}`);
    const latUs = this.latencyUs(a.id, to);
    if (delayUs <= 0) {
      this.transmit(target, msg, a.id, latUs, false);
      return;
    }
    const departUs = this.nowUs + delayUs;
    if (this.networkFilter === null && this.reorderFilter === null) {
      const slot = this.push(departUs + latUs, DELIVER, target, msg, -1, null, 0);
      this.ev.depart[slot] = departUs;
      this.ev.from[slot] = a.id;
      this.ev.lat[slot] = latUs;
      a.sentAhead = true;
      return;
    }
    this.departLater(a, departUs, target, msg, latUs);
  }

  /** A departure event: the message leaves at `departUs`, or when its sender's pause ends. */
  private departLater(a: SimActor, departUs: number, target: SimActor, msg: unknown, latUs: number): void {
    this.push(departUs, CALL, a, null, a.incarnation, () => {
      if (a.pausedUntilUs > this.nowUs) this.departLater(a, a.pausedUntilUs, target, msg, latUs);
      else this.transmit(target, msg, a.id, latUs, false);
    }, 0);
  }

  /**
   * The message leaves now: network faults judge it, then it arrives after `latUs` (and any
   * delay a fault adds), and not before what was sent on the same link before it (`fifo`).
   * Messages sent ahead (sendAfter) are scheduled departures, not a connection's stream:
   * they keep their own times, and do not hold back what is sent meanwhile.
   */
  private transmit(target: SimActor, msg: unknown, from: number, latUs: number, fifo = true): void {
    const to = target.id;
    let extraUs = 0;
    if (this.networkFilter !== null) {
      extraUs = this.networkFilter(from, to, msg);
      if (extraUs < 0) {
        this.messagesDropped++;
        this.hash.mix(0xd409);
        return;
      }
    }
    if (this.reorderFilter !== null && from >= 0) {
      const outOfOrderUs = this.reorderFilter(from, to, msg);
      if (outOfOrderUs > 0) {
        this.push(this.nowUs + latUs + extraUs + outOfOrderUs, DELIVER, target, msg, -1, null, 0);
        return;
      }
    }
    this.push(from < 0 || !fifo ? this.nowUs + latUs + extraUs : this.inOrder(from, to, this.nowUs + latUs + extraUs), DELIVER, target, msg, -1, null, 0);
  }

  /** The arrival time of a message on link from -> to: not before the one sent ahead of it on that link. */
  private inOrder(from: number, to: number, atUs: number): number {
    const i = from * this.linkStride + to;
    const last = this.linkLastUs[i];
    const t = atUs < last ? last : atUs;
    this.linkLastUs[i] = t;
    return t;
  }

  /** Puts `msg` straight into an actor's own mailbox (runtime notifications), now. */
  enqueueLocal(a: SimActor, msg: unknown): void {
    this.push(this.nowUs, DELIVER, a, msg, a.incarnation, null, 0);
  }

  resolve(to: ActorRef): number {
    if (typeof to === 'number') return to;
    const a = this.byName.get(to);
    if (a === undefined) throw new Error(`send to unknown actor "${to}"`);
    return a.id;
  }

  // ---- running ----------------------------------------------------------------

  /** Starts every actor (delivers `$started`, joins consumer groups). Called by run* once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.linkStride = this.actors.length;
    this.linkLastUs = new Float64Array(this.linkStride * this.linkStride);
    for (const a of this.actors) this.boot(a, false);
  }

  private boot(a: SimActor, restart: boolean): void {
    a.up = true;
    // Kafka turns idempotence off when acks=1 is asked for (an idempotent producer needs acks=all).
    a.producer = new SimProducer(this, a, a.spec.idempotentProducer ?? a.spec.acks !== 1, a.spec.acks);
    this.current = a;
    this.handlingType = undefined; // a timer set in init is never a poller's re-arm
    a.state = a.spec.behaviour.init(this.ctx);
    this.current = null;
    a.consumer = a.spec.consumes !== undefined ? new SimConsumer(this, a, a.spec.consumes) : null;
    // Handled here and now, before anything else due at this instant: the contract promises
    // `$started` first, and a behaviour that rebuilds its state on it (from its store) must
    // not meet a request with the state of nothing (a message queued for this same instant
    // used to come first).
    this.deliver(a, { type: '$started', restart }, a.incarnation, 0);
    a.consumer?.start();
  }

  /** Processes every event due at or before `untilMs`. Returns false if the queue ran dry. */
  runUntil(untilMs: number): boolean {
    this.start();
    const until = Math.round(untilMs * US);
    const q = this.queue;
    const ev = this.ev;
    for (;;) {
      const t = q.peekTime();
      if (t === Infinity) return false;
      if (t > until) {
        this.nowUs = Math.max(this.nowUs, until);
        return true;
      }
      const slot = q.pop();
      this.nowUs = t;
      this.events++;
      const k = ev.kind[slot];
      const a = ev.actor[slot];
      const m = ev.msg[slot];
      const inc = ev.inc[slot];
      const timer = ev.timer[slot];
      const fn = ev.fn[slot];
      // The slot is free again before the event runs (it may schedule into it), and it
      // holds no reference to what it carried.
      ev.actor[slot] = null;
      ev.msg[slot] = undefined;
      ev.fn[slot] = null;
      this.slots.give(slot);
      switch (k) {
        case DELIVER:
          this.deliver(a!, m, inc, timer);
          break;
        case COMPLETE:
          this.complete(a!, m, inc);
          break;
        default:
          if (inc < 0 || (a!.up && a!.incarnation === inc)) fn!();
      }
    }
  }

  private deliver(a: SimActor, msg: unknown, inc: number, timer: number): void {
    if (inc === WITHDRAWN) return; // sent ahead by an actor that crashed before it left
    const m = msg as { kc?: number; type?: string };
    if (timer !== 0 && a.cancelledTimers !== null && a.cancelledTimers.delete(timer)) return;
    if (!a.up || (inc >= 0 && inc !== a.incarnation)) {
      if (inc < 0) this.messagesLost++;
      return;
    }
    if (m.kc === 1) {
      this.hash.mix(a.id);
      if (m.type === 'produced') a.producer.onResponse(m as never);
      else if (m.type === 'fetched') a.consumer?.onFetched(m as never);
      else if (m.type === 'assignment') a.consumer?.onAssignment(m as never);
      else if (m.type === 'rejoin') a.consumer?.join();
      else if (m.type === 'committed') a.consumer?.onCommitted(m as never);
      return;
    }
    // Only what arrives over the network can be refused; an actor's own timers and
    // runtime notifications ($records, $produced) are never subject to faults here.
    if (this.deliveryFilter !== null && inc === -1 && !this.deliveryFilter(a, m)) {
      this.messagesDropped++;
      return;
    }
    if (a.busy < a.workers && a.pausedUntilUs <= this.nowUs) this.startService(a, m);
    else a.mailbox.push(m);
  }

  /** Stalls an actor until `untilUs`: nothing it holds or receives is handled before then. */
  pause(a: SimActor, untilUs: number): void {
    if (untilUs <= a.pausedUntilUs) return;
    a.pausedUntilUs = untilUs;
    if (a.sentAhead) this.holdSentAhead(a, untilUs);
    const inc = a.incarnation;
    this.push(untilUs, CALL, null, null, -1, () => {
      if (!a.up || a.incarnation !== inc || a.pausedUntilUs > this.nowUs) return;
      while (a.busy < a.workers && a.mailboxHead < a.mailbox.length) this.startService(a, this.takeMail(a));
    }, 0);
  }

  private takeMail(a: SimActor): unknown {
    const m = a.mailbox[a.mailboxHead];
    a.mailbox[a.mailboxHead++] = undefined;
    if (a.mailboxHead > 1024 && a.mailboxHead * 2 > a.mailbox.length) {
      a.mailbox.splice(0, a.mailboxHead);
      a.mailboxHead = 0;
    }
    return m;
  }

  private startService(a: SimActor, m: unknown): void {
    const type = (m as { type?: string }).type;
    if (type === '$records' && this.droppedStale(a, m)) return;
    a.busy++;
    const st = a.serviceTime;
    // A new assignment is taken at once, as a Kafka client runs onPartitionsAssigned inside
    // poll() before it hands out any record of the generation: with service time, a batch of
    // the new generation could finish on another worker first, and the behaviour's
    // assignment handling would then forget work it had already taken.
    // Its commits speak for this generation from the handling on (see SimConsumer.commit).
    if (type === '$assigned') a.consumer?.assignedSeen((m as { generation?: number }).generation ?? -1);
    // `$started` too: the runtime starting the actor is not work that waits for a worker's time.
    const ms = type === '$assigned' || type === '$started' ? 0 : typeof st === 'number' ? st : st(m, a.serviceRng);
    if (ms > 0) {
      this.push(this.nowUs + Math.round(ms * US), COMPLETE, a, m, a.incarnation, null, 0);
      return;
    }
    const inc = a.incarnation;
    this.handle(a, m);
    // A crash while handling reset the worker count: this handling is no longer one of them.
    if (a.up && a.incarnation === inc) this.finishService(a);
  }

  /**
   * A batch a rebalance replaced, while it waited or while it was in service, is dropped
   * (as Kafka clients drop records of revoked partitions): the behaviour has been told of the
   * new assignment already, and a client runs onPartitionsAssigned only between batches.
   */
  private droppedStale(a: SimActor, m: unknown): boolean {
    if (a.consumer === null || !a.consumer.isStale(m as RecordsMessage)) return false;
    this.metrics.count('kafka.staleBatchesDropped');
    return true;
  }

  private complete(a: SimActor, m: unknown, inc: number): void {
    if (!a.up || inc !== a.incarnation) return;
    if (a.pausedUntilUs > this.nowUs) {
      // Work in progress when the pause began finishes after it.
      this.push(a.pausedUntilUs, COMPLETE, a, m, inc, null, 0);
      return;
    }
    if ((m as { type?: string }).type === '$records' && this.droppedStale(a, m)) {
      this.finishService(a);
      return;
    }
    this.handle(a, m);
    if (a.up && a.incarnation === inc) this.finishService(a);
  }

  private finishService(a: SimActor): void {
    a.busy--;
    // A loop, not one start: a dropped stale batch starts nothing.
    while (a.mailboxHead < a.mailbox.length && a.busy < a.workers && a.pausedUntilUs <= this.nowUs) this.startService(a, this.takeMail(a));
  }

  /** Runs the behaviour on one message and performs its effects in the designed order. */
  private handle(a: SimActor, m: unknown): void {
    const t = (m as { type?: string }).type;
    this.hash.mix(this.nowUs);
    this.hash.mix(a.id);
    if (t !== undefined) this.hash.mix(this.typeCode(t));
    if (this.onDeliver !== undefined) this.onDeliver(this.nowMs, a.name, m);
    this.current = a;
    this.handlingType = t;
    this.handlingRearmDueUs = 0;
    this.nSends = 0;
    this.nLater = 0;
    this.nProduces = 0;
    this.nCommits = 0;
    let crashedAt: string | null = null;
    try {
      if (this.poisonCheck !== null && t === '$records') {
        const poison = this.poisonCheck(a, m as RecordsMessage);
        if (poison !== null) throw new Error(poison);
      }
      a.state = a.spec.behaviour.receive(a.state, m, this.ctx);
    } catch (err) {
      if (err instanceof CrashSignal) crashedAt = err.point;
      else if (t === '$records' && a.consumer !== null && a.consumer.handlesErrors) {
        // The consumer's error handling takes it from here (retry, split, dead-letter).
        a.store.rollback();
        this.current = null;
        a.consumer.onError(m as RecordsMessage, err instanceof Error ? err.message : String(err));
        return;
      } else {
        a.store.rollback();
        this.current = null;
        const message = err instanceof Error ? err.message : String(err);
        if (this.errors.length < 100) this.errors.push({ tMs: this.nowMs, actor: a.name, message });
        this.metrics.count('actorErrors');
        this.crash(a, 0);
        return;
      }
    }
    this.current = null;
    const armed = a.armedPoints.size > 0;
    if (armed && crashedAt === null && this.stepCrash(a, 'before-commit')) {
      a.store.rollback();
      this.crash(a, a.armedPoints.get('before-commit')!);
      return;
    }
    // 2. durable writes, atomically
    const store = a.store;
    const sends = this.sends;
    const produces = this.produces;
    const nSends = this.nSends;
    const nProduces = this.nProduces;
    const progress = nSends > 0 || this.nLater > 0 || nProduces > 0 || store.pending > 0;
    if (store.pending > 0) {
      const writes = store.commit();
      this.hash.mix(writes.length);
      const obs = this.commitObservers;
      for (let i = 0; i < obs.length; i++) obs[i](store.name, writes, this.nowMs);
      const own = this.storeObservers.size === 0 ? undefined : this.storeObservers.get(store.name);
      if (own !== undefined) for (let i = 0; i < own.length; i++) own[i](store.name, writes, this.nowMs);
      if (a.retainsTopics) this.retainAfterCommit(writes);
    }
    if (progress && a.spec.system !== true) {
      this.lastProgressUs = this.nowUs;
      if (this.handlingRearmDueUs > this.workTimersDueUs) this.workTimersDueUs = this.handlingRearmDueUs;
    }
    if (armed && crashedAt === null && this.stepCrash(a, 'after-commit')) {
      this.crash(a, a.armedPoints.get('after-commit')!);
      return;
    }
    // 3. sends and produces, in order
    for (let i = 0; i < nSends; i += 2) this.sendRaw(sends[i] as number, sends[i + 1], a.id);
    if (this.nLater > 0) {
      const later = this.later;
      for (let i = 0; i < this.nLater; i += 3) this.sendAhead(a, later[i] as number, later[i + 1], later[i + 2] as number);
    }
    if (nProduces > 0) {
      for (let i = 0; i < nProduces; i += 4) {
        a.producer.produce(produces[i] as string, produces[i + 1] as string, produces[i + 2], produces[i + 3]);
      }
      a.producer.flush();
    }
    if (armed && crashedAt === null && this.stepCrash(a, 'after-sends')) {
      this.crash(a, a.armedPoints.get('after-sends')!);
      return;
    }
    // 4. offset commits
    if (this.nCommits > 0 && a.consumer !== null) a.consumer.commit(this.commits, this.nCommits);
    if (crashedAt !== null) {
      this.crash(a, a.armedPoints.get(crashedAt) ?? 0);
      return;
    }
    if (t === '$records' && a.consumer !== null) a.consumer.onProcessed(m as RecordsMessage);
  }

  /**
   * Cancelling a timer that already fired leaves its id in the set; past 4,096 ids the
   * set keeps only those still queued (one scan of the queue), so it cannot grow without end.
   */
  private cancelTimer(a: SimActor, id: number): void {
    const set = (a.cancelledTimers ??= new Set());
    set.add(id);
    // Pruned when it doubles past what the last pruning kept: amortised O(queue) per 4,096 cancels at worst.
    if (set.size <= Math.max(4_096, 2 * a.cancelledKept)) return;
    const queued = new Set<number>();
    const ev = this.ev;
    this.queue.forEachSlot((slot) => {
      const timer = ev.timer[slot];
      if (timer !== 0 && ev.actor[slot] === a && set.has(timer)) queued.add(timer);
    });
    a.cancelledTimers = queued;
    a.cancelledKept = queued.size;
  }

  private stepCrash(a: SimActor, point: string): boolean {
    return a.armedPoints.has(point) && this.crashPlan !== null && this.crashPlan(a.name, point);
  }

  private typeCode(t: string): number {
    let c = this.typeCodes.get(t);
    if (c === undefined) {
      c = 0;
      for (let i = 0; i < t.length; i++) c = Math.imul(c ^ t.charCodeAt(i), 0x01000193);
      this.typeCodes.set(t, c);
    }
    return c;
  }

  // ---- crashes --------------------------------------------------------------------

  /**
   * Kills an actor: its volatile state, mailbox, timers, in-flight work and Kafka client
   * state are lost; its durable store survives. It restarts after `restartAfterUs`.
   * Its consumer-group sessions end when the session timeout passes.
   */
  crash(a: SimActor, restartAfterUs: number): void {
    if (!a.up) return;
    a.up = false;
    a.incarnation++;
    a.busy = 0;
    a.mailbox.length = 0;
    a.mailboxHead = 0;
    a.pausedUntilUs = 0;
    a.cancelledTimers = null; // the dead incarnation's timers are orphaned anyway
    a.cancelledKept = 0;
    if (a.sentAhead) this.withdrawSentAhead(a);
    this.hash.mix(0xdead);
    this.hash.mix(a.id);
    this.metrics.count('crashes');
    const consumer = a.consumer;
    if (consumer !== null) {
      const coord = this.groupCoordinators.get(consumer.group)!;
      const memberId = consumer.memberId;
      this.at(this.nowMs + this.kafka.sessionTimeoutMs, () => this.sendRaw(coord, { type: 'leave', memberId }));
    }
    a.consumer = null;
    const inc = a.incarnation;
    this.push(this.nowUs + restartAfterUs, CALL, null, null, -1, () => {
      if (!a.up && a.incarnation === inc) this.boot(a, true);
    }, 0);
  }

  /**
   * A stalled process sends nothing: what `a` sent ahead to leave before `untilUs` leaves
   * then instead, with the latency it was given.
   */
  private holdSentAhead(a: SimActor, untilUs: number): void {
    const ev = this.ev;
    const now = this.nowUs;
    const held: number[] = [];
    this.queue.forEachSlot((slot) => {
      const depart = ev.depart[slot];
      if (depart > now && depart < untilUs && ev.from[slot] === a.id && ev.kind[slot] === DELIVER && ev.inc[slot] !== WITHDRAWN) held.push(slot);
    });
    // In departure order, so they arrive in the order they were sent.
    held.sort((x, y) => ev.depart[x] - ev.depart[y]);
    for (const slot of held) {
      ev.inc[slot] = WITHDRAWN;
      const again = this.push(untilUs + ev.lat[slot], DELIVER, ev.actor[slot], ev.msg[slot], -1, null, 0);
      ev.depart[again] = untilUs;
      ev.from[again] = a.id;
      ev.lat[again] = ev.lat[slot];
    }
  }

  /** Messages `a` sent ahead that have not left yet never leave: their sender is dead. */
  private withdrawSentAhead(a: SimActor): void {
    const ev = this.ev;
    const now = this.nowUs;
    this.queue.forEachSlot((slot) => {
      if (ev.depart[slot] > now && ev.from[slot] === a.id && ev.kind[slot] === DELIVER) ev.inc[slot] = WITHDRAWN;
    });
  }

  /** Arms a crash point of an actor; `crashPlan` decides at each hit whether it fires. */
  armCrashPoint(name: string, point: string, restartAfterMs: number): void {
    const a = this.actor(name);
    // Two faults on one point: the first to fire decides; the later-armed delay is kept.
    a.armedPoints.set(point, Math.round(restartAfterMs * US));
  }

  // ---- retention ----------------------------------------------------------------

  /**
   * Kafka retention, modelled as: records every group has committed past are deleted,
   * as soon as the last group commits past them. Done at each offset commit rather than
   * on a periodic check, so a record lives as long as the pipeline needs it and no
   * longer: with a 5 s check, every record outlived two young-generation collections and
   * was copied into the old generation (GC was a fifth of a run of a million requests).
   */
  private retainAfterCommit(writes: readonly WriteRecord[]): void {
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      if (w.table !== 'offsets' || typeof w.key !== 'string') continue;
      const hash = w.key.lastIndexOf('#');
      const topic = this.topics.get(w.key.slice(0, hash));
      // A topic no group reads keeps everything (a commit on it is no consumer's progress).
      if (topic === undefined || topic.retainAll || topic.groups.size === 0) continue;
      const p = Number(w.key.slice(hash + 1));
      let min = Infinity;
      for (const g of topic.groups) min = Math.min(min, this.committedOffset(g, topic.name, p));
      topic.logs[p]?.retainFrom(min - this.committedRecordsKept);
    }
  }

  // ---- the context behaviours see ---------------------------------------------------

  private makeContext(): Context {
    const sim = this;
    const cur = () => {
      const a = sim.current;
      if (a === null) throw new Error('context used outside message handling');
      return a;
    };
    return {
      ref: (name) => sim.resolve(name),
      get selfName() {
        return cur().name;
      },
      now: () => (sim.current === null ? sim.nowUs : sim.nowUs + sim.current.skewUs) / US,
      random: () => cur().rng.random(),
      send(to, msg) {
        const s = sim.sends;
        s[sim.nSends++] = typeof to === 'number' ? to : sim.resolve(to);
        s[sim.nSends++] = msg;
      },
      sendAfter(delayMs, to, msg) {
        const l = sim.later;
        if (delayMs * US > sim.longestTimerUs) sim.longestTimerUs = delayMs * US;
        const delayUs = Math.max(0, Math.round(delayMs * US));
        if (cur().spec.system !== true) sim.noteTimer(sim.nowUs + delayUs, false);
        l[sim.nLater++] = typeof to === 'number' ? to : sim.resolve(to);
        l[sim.nLater++] = msg;
        l[sim.nLater++] = delayUs;
      },
      setTimer(delayMs, msg) {
        const a = cur();
        if (delayMs * US > sim.longestTimerUs) sim.longestTimerUs = delayMs * US;
        if (delayMs > a.longestTimerMs) a.longestTimerMs = delayMs;
        const dueUs = sim.nowUs + Math.max(0, Math.round(delayMs * US));
        if (a.spec.system !== true) sim.noteTimer(dueUs, (msg as { type?: unknown } | null)?.type === sim.handlingType);
        const id = sim.nextTimer++;
        sim.push(dueUs, DELIVER, a, msg, a.incarnation, null, id);
        return id;
      },
      cancelTimer(id) {
        sim.cancelTimer(cur(), id);
      },
      get store() {
        return cur().store;
      },
      produce(topic, key, value, ackToken) {
        const p = sim.produces;
        p[sim.nProduces++] = topic;
        p[sim.nProduces++] = key;
        p[sim.nProduces++] = value;
        p[sim.nProduces++] = ackToken;
      },
      commit(topic, partition, nextOffset) {
        const c = sim.commits;
        c[sim.nCommits++] = topic;
        c[sim.nCommits++] = partition;
        c[sim.nCommits++] = nextOffset;
      },
      crashPoint(name) {
        const a = cur();
        if (a.armedPoints.has(name) && sim.crashPlan !== null && sim.crashPlan(a.name, name)) {
          sim.hash.mixString(name);
          throw new CrashSignal(name);
        }
      },
      observe(metric, ms) {
        sim.metrics.record(metric, ms);
      },
      record(metric, value) {
        sim.metrics.recordRaw(metric, value);
      },
      count(metric, by = 1) {
        sim.metrics.count(metric, by);
      },
      gauge(metric, value) {
        sim.metrics.gauge(metric, value, sim.nowUs / US);
      },
    };
  }
}
