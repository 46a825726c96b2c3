// What a simulation is built from, and how it is tuned: the specs of actors, consumers
// and topics, the Kafka client and network options, and the kernel's step boundaries.
import type { Behaviour } from '../contract.js';
import type { ServiceTime } from './service-time.js';
import type { WriteRecord } from './store.js';

/** Kernel step boundaries where a crash can be planned, besides a behaviour's own crash points. */
export const STEP_CRASH_POINTS = ['before-commit', 'after-commit', 'after-sends'] as const;

export interface ConsumerSpec {
  readonly group: string;
  readonly topics: readonly string[];
  /** Records per fetch batch (Kafka's max.poll.records). */
  readonly maxPollRecords?: number;
  /** A fetch waits for this many records (fetch.min.bytes, in records; default 1)… */
  readonly fetchMinRecords?: number;
  /** …or this long (fetch.max.wait.ms; default the kafka option). A micro-batch stage's trigger interval. */
  readonly fetchMaxWaitMs?: number;
  /** Commit fetched positions on a timer instead of when the behaviour asks (at-most-once risk). */
  readonly autoCommit?: boolean;
  readonly autoCommitIntervalMs?: number;
  /**
   * Where records go that fail every attempt: with it, a batch whose handling throws is
   * retried (maxAttempts, with backoff), then split record by record, and a record that
   * still fails is published here with the reason and skipped. Without it, a throwing
   * behaviour crashes the actor, and the same records come back after the restart.
   */
  readonly deadLetterTopic?: string;
  readonly maxAttempts?: number;
}

export interface ActorSpec {
  readonly name: string;
  readonly behaviour: Behaviour<any, any>;
  /** Name of the durable store (database); actors of one service may share one. Default: the actor's name. */
  readonly store?: string;
  readonly workers?: number;
  readonly serviceTime?: ServiceTime;
  readonly consumes?: ConsumerSpec;
  /** Idempotent producer (drops retried duplicates by producer id + sequence). Default true (false with acks 1). */
  readonly idempotentProducer?: boolean;
  /**
   * When the broker acknowledges a produce: 'all' (the default) once the partition's
   * followers have it, 1 as soon as the leader has appended it, which a leader failover
   * can then lose after the producer was told it was written.
   */
  readonly acks?: 1 | 'all';
  /** Kafka and coordinator actors: their sends are plumbing, not progress. */
  readonly system?: boolean;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Keep every record (no retention), e.g. a dead-letter queue the checks read. */
  readonly retainAll?: boolean;
}

export interface KafkaOptions {
  readonly fetchMaxWaitMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly requestTimeoutMs: number;
  /** A produce not acknowledged this long after it was first sent fails (delivery.timeout.ms). */
  readonly deliveryTimeoutMs: number;
  readonly partitionServiceMs: number;
  /** How long a partition has no leader when its leader fails over (the controller electing a follower). */
  readonly leaderElectionMs: number;
}

export interface NetworkOptions {
  readonly latencyMs: number;
  readonly jitterMs: number;
}

export interface SimOptions {
  readonly seed: number;
  readonly network?: Partial<NetworkOptions>;
  readonly kafka?: Partial<KafkaOptions>;
  /** Receives every handled message (for --trace FILE); leave unset in normal runs. */
  readonly onDeliver?: (tMs: number, actor: string, msg: unknown) => void;
}

export type CommitObserver = (store: string, writes: readonly WriteRecord[], tMs: number) => void;

export const DEFAULT_KAFKA: KafkaOptions = {
  fetchMaxWaitMs: 500,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  requestTimeoutMs: 3_000,
  deliveryTimeoutMs: 120_000,
  // Brokers are not a capacity limit unless a scenario says so: a partition appends
  // and answers in zero virtual time (and without a completion event).
  partitionServiceMs: 0,
  leaderElectionMs: 200,
};

export const DEFAULT_NETWORK: NetworkOptions = { latencyMs: 0.5, jitterMs: 0.2 };


/**
 * Records a topic keeps below the lowest committed offset of its groups when a run plans an
 * operator's offset reset (the rewind fault), which can go back this far and must find the
 * records still there, as a real topic's time-based retention keeps days of them. Runs
 * without one keep none: records then die young, which is most of what the GC is spared.
 */
export const COMMITTED_RECORDS_KEPT = 200;
