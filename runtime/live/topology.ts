// What the live host needs to know of a pipeline: its topics and actors (the same
// behaviours the simulator runs), where each actor lives, and the intake's HTTP timeout.
// The harness builds it from a scenario's topology (harness/live/live-plan.ts).
import type { Behaviour, Key } from '../contract.js';
import type { ConsumerSpec, TopicSpec } from '../sim/kernel.js';

/**
 * 'edge': the load generator, in the coordinator process;
 * 'api': services that are one of a kind (an intake with its outbox, a lock service), in the coordinator;
 * 'worker': stages that scale out: one copy in every worker process, sharing partitions through their consumer groups.
 * 'service': a process of its own, which every other process reaches over HTTP (a request's answer is
 * the HTTP response; a message without `replyTo` is one-way). `faultline live --service-processes`
 * places every 'api' actor so.
 */
export type Placement = 'edge' | 'api' | 'worker' | 'service';

export interface LiveActorSpec {
  readonly name: string;
  readonly behaviour: Behaviour<any, any>;
  readonly store?: string;
  readonly consumes?: ConsumerSpec;
  readonly place: Placement;
  /** An intake service: the load generator reaches it through a real HTTP endpoint. */
  readonly http?: boolean;
}

export interface LiveHostTopology {
  readonly topics: readonly TopicSpec[];
  readonly actors: readonly LiveActorSpec[];
  /** How long an answer may take before the load generator's client times out (HTTP timeout). */
  readonly requestTimeoutMs: number;
  /**
   * By store, tables kept in a structure of their own (a dense table for a row per entity,
   * a ring for a queue), as the simulator keeps them: a process's mirror of a store with a
   * row per request then costs what the simulator's does, not an object per row.
   */
  readonly tables?: Readonly<Record<string, Readonly<Record<string, () => Map<Key, unknown>>>>>;
}
