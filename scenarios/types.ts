// A scenario: a topology of actors and topics, a load, and the invariants to check,
// built on a simulation the runner provides. A user-written scenario is a module whose
// default export (or `scenario` export) has this shape.
import type { Simulation } from '../runtime/sim/kernel.js';
import type { InvariantResult } from '../checks/types.js';
import type { FaultPlan } from '../faults/plan.js';
import type { FaultSpace } from '../faults/generators.js';
import type { KafkaOptions } from '../runtime/sim/kernel.js';
import type fc from 'fast-check';
import type { LiveTopology } from '../runtime/live/topology.js';

/** A problem with a scenario's parameters or definition: reported as bad usage (exit 2). */
export class ScenarioError extends Error {}

export interface BuiltScenario {
  /** True once the load generator has offered all its load. */
  loadDone(): boolean;
  /** Share of the load offered so far, in [0, 1] (for a progress bar). */
  loadProgress?(): number;
  /** After the load, how long the pipeline may stay silent before it counts as drained (longer than its longest retry timer). */
  readonly quietMs: number;
  /** After the load, the liveness deadline: what has not settled by then is reported as lost. */
  readonly drainDeadlineMs: number;
  /** The invariants, from what the runtime observed; called once after the drain. */
  check(): InvariantResult[];
  /** Scenario-specific metrics for the run result (counts, ratios). */
  summary(): Record<string, unknown>;
  /** Sampled once per virtual second into the run's timeline (counters are cumulative). */
  sample?(): Readonly<Record<string, number>>;
  /** Keys a message concerns, for a key's trace. */
  keysOf?(msg: unknown): readonly string[];
}

export interface Scenario<P = unknown> {
  readonly name: string;
  readonly description: string;
  /** Full parameters from the defaults and the user's overrides; throws ScenarioError on a bad value. */
  params(overrides: Readonly<Record<string, unknown>>): P;
  build(sim: Simulation, params: P): BuiltScenario;
  /** Named fault plans for `--faults NAME` ("none" is always there). */
  readonly faultPresets?: Readonly<Record<string, FaultPlan>>;
  /** How `faultline check` explores this scenario; without it the scenario cannot be checked. */
  check?(overrides: Readonly<Record<string, unknown>>): CheckSpace;
  /** The same behaviours on a real broker and database (`faultline live`); without it the scenario runs only simulated. */
  live?(params: P): LiveTopology;
}

/** What a property search varies and aims at. */
export interface CheckSpace {
  /** Parameters for property runs (small, with short timeouts); the user's flags override them. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Workload parameters drawn per run, on top of `overrides`. */
  readonly workload: fc.Arbitrary<Record<string, unknown>>;
  readonly faults: FaultSpace;
  readonly kafka?: Partial<KafkaOptions>;
}
