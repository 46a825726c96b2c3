// What a scenario gives the live runtime: its topics and actors (the same behaviours
// the simulator runs), where each actor lives, and how to judge the run afterwards
// from what the database and the topics hold.
import type { Behaviour } from '../contract.js';
import type { ConsumerSpec, TopicSpec } from '../sim/kernel.js';
import type { SimStore } from '../sim/store.js';
import type { Metrics } from '../sim/metrics.js';
import type { PartitionLog } from '../sim/kafka/partition-log.js';
import type { InvariantResult } from '../../checks/types.js';
import type { JournalEntry } from './pg-store.js';

/**
 * 'edge': the load generator, in the coordinator process;
 * 'api': services that are one of a kind (an intake with its outbox, a lock service), in the coordinator;
 * 'worker': stages that scale out: one copy in every worker process, sharing partitions through their consumer groups.
 */
export type Placement = 'edge' | 'api' | 'worker';

export interface LiveActorSpec {
  readonly name: string;
  readonly behaviour: Behaviour<any, any>;
  readonly store?: string;
  readonly consumes?: ConsumerSpec;
  readonly place: Placement;
  /** An intake service: the load generator reaches it through a real HTTP endpoint. */
  readonly http?: boolean;
}

/** What a live run's checks may read once the pipeline has drained and stopped. */
export interface LiveWorld {
  loadStore(name: string): Promise<SimStore>;
  /** Committed transactions of these stores, in commit order. */
  journal(stores: readonly string[]): Promise<JournalEntry[]>;
  /** Every record of a topic still held by the broker. */
  readTopic(name: string): Promise<PartitionLog[]>;
  /** Rows of a table whose `field` is not `notEqual` (counted by the database: cheap enough to sample each second). */
  countRows(store: string, table: string, field: string, notEqual: string): Promise<number>;
  readonly metrics: Metrics;
  readonly nowMs: number;
}

export interface LiveTopology {
  readonly topics: readonly TopicSpec[];
  readonly actors: readonly LiveActorSpec[];
  /** Where the load generator records what it measures (response times): the run's metrics. */
  useMetrics(metrics: Metrics): void;
  /** The load generator's actor: the run's load phase ends when it says so. */
  readonly loadGenerator: string;
  /** True once the generator offered all its load and every request was answered or given up. */
  loadDone(generatorState: unknown): boolean;
  /** How long the load should take (its deadline is three times this plus a minute). */
  readonly plannedLoadMs?: number;
  /** How long an answer may take before the load generator's client times out (HTTP timeout). */
  readonly requestTimeoutMs: number;
  /** After the load: true once nothing is left in flight (read from the database; consumer lag is checked by the runtime). */
  settled(world: LiveWorld): Promise<boolean>;
  check(world: LiveWorld, generatorState: unknown): Promise<InvariantResult[]>;
  /** Sampled about once a second into the run's timeline (cumulative counts: offered, completed); the runtime adds lag. */
  sample?(world: LiveWorld, generatorState: unknown): Promise<Readonly<Record<string, number>>>;
  summary(world: LiveWorld): Promise<Record<string, unknown>>;
}
