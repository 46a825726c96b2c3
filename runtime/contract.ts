// The contract between an actor behaviour and the runtime that hosts it.
// Written once, hosted by the deterministic simulator (runtime/sim) and, later,
// by the live runtime (nact + kafkajs). A behaviour may touch only its context:
// no Date, Math.random, timers or I/O.

/** An actor is addressed by its name (resolved by the runtime) or by the numeric ref `ctx.ref(name)` returns. */
export type ActorRef = string | number;

/** Keys of durable rows and Kafka records. */
export type Key = string | number;

/** A record as a consumer sees it. */
export interface KafkaRecord<V = unknown> {
  readonly offset: number;
  readonly key: string;
  readonly value: V;
}

/** Delivered by the runtime to a consuming behaviour: one fetch batch of one partition. */
export interface RecordsMessage<V = unknown> {
  readonly type: '$records';
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly KafkaRecord<V>[];
}

/** Delivered by the runtime when produced records were acknowledged by the partition leader. */
export interface ProducedMessage {
  readonly type: '$produced';
  readonly tokens: readonly unknown[];
}

/** Delivered by the runtime when produced records could not be delivered within the delivery timeout. */
export interface ProduceFailedMessage {
  readonly type: '$produceFailed';
  readonly tokens: readonly unknown[];
}

/** Delivered by the runtime when an actor (re)starts, before any other message. */
export interface StartedMessage {
  readonly type: '$started';
  readonly restart: boolean;
}

/**
 * Delivered to a consuming behaviour each time its group hands it partitions (a rebalance,
 * Kafka's onPartitionsAssigned), before their records: what it held of other partitions is
 * no longer its to commit, and commits it made for an earlier assignment may have been
 * refused. `offset` is the committed offset it starts from, where the runtime knows it.
 */
export interface AssignedMessage {
  readonly type: '$assigned';
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly offset?: number }[];
  /** The group's generation this assignment belongs to (where the runtime knows it). */
  readonly generation?: number;
}

export type RuntimeMessage = RecordsMessage | ProducedMessage | ProduceFailedMessage | StartedMessage | AssignedMessage;

/**
 * Durable storage of one actor (or one service's database, shared by its actors).
 * Rows are values: never mutate a row after putting it, put a new one.
 * Everything written while handling one message commits atomically (one transaction)
 * before any send or produce of that message is performed.
 */
export interface DurableStore {
  /** The row, as a value: never change it in place (write a new row with put). */
  get<R>(table: string, key: Key): R | undefined;
  has(table: string, key: Key): boolean;
  put<R>(table: string, key: Key, row: R): void;
  /** Inserts unless a row with this key exists; says whether it inserted. */
  insertIfAbsent<R>(table: string, key: Key, row: R): boolean;
  delete(table: string, key: Key): void;
  /**
   * Fencing: accepts `token` for `lock` only if no higher token was accepted before,
   * and remembers it as part of this transaction. A writer whose token is refused
   * must not write under that lock.
   */
  fence(lock: string, token: number): boolean;
  /**
   * Rows of a table in the order they were first written (a queue's order: an outbox's
   * unpublished rows), at most `limit` of them. Each is a value: never change it in place.
   */
  scan<R>(table: string, limit?: number): [Key, R][];
  /**
   * Optimistic locking: writes `row` only if the row now under `key` has `version` equal
   * to `expected` (0: no row yet), and says whether it wrote. The new row's version is the
   * caller's to set (usually expected + 1).
   */
  putIfVersion<R extends { readonly version: number }>(table: string, key: Key, expected: number, row: R): boolean;
}

export interface Context {
  /** Numeric ref of a named actor: faster to send to than a name. */
  ref(name: string): number;
  readonly selfName: string;
  /** Virtual (simulation) or wall (live) time in milliseconds. */
  now(): number;
  /** Uniform in [0, 1) from this actor's own seeded stream. */
  random(): number;
  send(to: ActorRef, msg: unknown): void;
  /**
   * Sends `msg` as if sent `delayMs` from now: it leaves then (the network and its faults
   * judge it at that time) unless this actor crashes first. For an open-loop load
   * generator that schedules its requests ahead of its own clock.
   */
  sendAfter(delayMs: number, to: ActorRef, msg: unknown): void;
  /** Delivers `msg` to this actor after `delayMs`; lost if the actor crashes first. */
  setTimer(delayMs: number, msg: unknown): number;
  cancelTimer(id: number): void;
  readonly store: DurableStore;
  /**
   * Appends a record to a topic; `ackToken`, if given, comes back in a `$produced` message
   * once acknowledged, or in a `$produceFailed` message if the delivery timeout passes first.
   */
  produce(topic: string, key: string, value: unknown, ackToken?: unknown): void;
  /** Commits `nextOffset` for a partition this actor consumes; performed after the sends of this message. */
  commit(topic: string, partition: number, nextOffset: number): void;
  /** A named place where a fault plan may crash this actor: effects requested before it are performed, the rest are not. */
  crashPoint(name: string): void;
  /**
   * Records a latency in milliseconds into the histogram `metric` (reported in ms, with
   * microsecond resolution): how a behaviour measures a stage itself, in both runtimes.
   */
  observe(metric: string, ms: number): void;
  /** Records a whole-number value (a batch size, a count) into a named histogram / adds to a counter. Metrics only: checkers never read them. */
  record(metric: string, value: number): void;
  count(metric: string, by?: number): void;
  /**
   * Sets a level that goes up and down (a state's size, a queue's length): the run's
   * timeline samples each gauge's latest value, and the result keeps its last and peak.
   */
  gauge(metric: string, value: number): void;
}

/**
 * What a load generator tells the runtime about its load (see actors/load-generator.ts):
 * how far it is, and what its callers were told. The runtime ends the load phase, sets
 * its deadline and waits in the drain by it; checkers read what was answered.
 */
export interface LoadView {
  /** Requests it will offer in all. */
  readonly planned: number;
  readonly offered: number;
  /** Offered and neither answered nor given up yet. */
  readonly outstanding: number;
  /** When its last request is due, from the start of the run (ms). */
  readonly plannedMs: number;
  /** The histogram its response times go to. */
  readonly metric: string;
  /** Intended start times (ms) of the requests still waiting: their wait counts in response time at the end. */
  waiting(): Iterable<number>;
  /** Request numbers run from 1 to planned; a request's idempotency key and back (-1: not one of ours). */
  keyOf(n: number): string;
  numberOf(key: string): number;
  /** Whether request n got an answer that says the service created something for it. */
  created(n: number): boolean;
  /** The key of the logical request a key was used for (a retry under a fresh key maps back). */
  logicalKeyOf(key: string): string;
  /** Answers by outcome, requests given up after the last attempt. */
  readonly answers: Readonly<Record<string, number>>;
  readonly gaveUp: number;
}

export interface Behaviour<S = unknown, M = unknown> {
  /** Volatile state at first start and after every restart; durable state is read from ctx.store. */
  init(ctx: Context): S;
  receive(state: S, msg: M | RuntimeMessage, ctx: Context): S;
  /** Crash points this behaviour declares, for documentation and fault generation. */
  readonly crashPoints?: readonly string[];
  /**
   * Work this actor holds that the pipeline has still to do (unpublished outbox rows,
   * unanswered requests): the drain waits until it is 0. Read by the runtime only.
   */
  pending?(state: S, store: DurableStore): number;
  /** A load generator's view of its load (the runtime's load phase follows it). */
  load?(state: S): LoadView;
  /** A load generator's service, the actor its requests go to (live: reached over HTTP). */
  readonly loadTarget?: string;
  /** Messages of this type that this behaviour sends grant a lease (a fault may stall their receiver past it). */
  readonly leaseGrantType?: string;
}

/** Thrown to signal an actor crash at a crash point; runtimes catch it, behaviours must not. */
export class CrashSignal {
  constructor(readonly point: string) {}
}
