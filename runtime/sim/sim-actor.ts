// An actor as the simulation holds it: its behaviour's state, mailbox, workers, crash
// incarnation, clients, armed crash points, pause and clock skew; and a topic's partitions.
import type { ActorSpec } from './specs.js';
import type { SimStore } from './store.js';
import type { Prng } from './prng.js';
import type { ServiceTime } from './service-time.js';
import type { SimProducer } from './kafka/producer-client.js';
import type { SimConsumer } from './kafka/consumer-client.js';
import type { PartitionLog } from './kafka/partition-log.js';

export class SimActor {
  up = true;
  incarnation = 0;
  busy = 0;
  state: unknown;
  readonly mailbox: unknown[] = [];
  mailboxHead = 0;
  /**
   * Ids of timers cancelled before they fired (null until the first cancel). Timers are
   * not indexed: a Map set and delete on every timer cost more than the rare cancel.
   */
  cancelledTimers: Set<number> | null = null;
  /** Size of that set after it was last pruned. */
  cancelledKept = 0;
  producer: SimProducer;
  consumer: SimConsumer | null = null;
  /** Crash points with a planned crash, and the restart delay of each; empty for almost every actor. */
  readonly armedPoints = new Map<string, number>();
  /** A paused actor (a GC pause, a stalled process) takes no message until this time. */
  pausedUntilUs = 0;
  /** Clock skew: added to what ctx.now() tells this actor. */
  skewUs = 0;
  /** A group coordinator: its offset commits drive retention of the topics it serves. */
  retainsTopics = false;
  /** The longest timer it has set (ms): how long it waits before it retries, for the fault space's paired faults. */
  longestTimerMs = 0;
  /** Has sent messages ahead of the clock (a crash must withdraw those not yet gone). */
  sentAhead = false;
  readonly serviceTime: ServiceTime;
  readonly workers: number;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly spec: ActorSpec,
    readonly store: SimStore,
    readonly rng: Prng,
    readonly serviceRng: Prng,
  ) {
    this.serviceTime = spec.serviceTime ?? 0;
    this.workers = spec.workers ?? 1;
    this.producer = null as unknown as SimProducer;
  }

  get mailboxLength(): number {
    return this.mailbox.length - this.mailboxHead;
  }
}

export interface SimTopic {
  readonly name: string;
  readonly logs: PartitionLog[];
  readonly partitionRefs: number[];
  readonly groups: Set<string>;
  readonly retainAll: boolean;
}

