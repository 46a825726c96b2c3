// The result of a property search (`faultline check`): a discriminated verdict, what the
// search covered, and on a failure the shrunk counterexample with its replay command.
import type { Candidate, FaultKindStats } from '../checks/search.js';
import type { FaultKind, FaultPlan } from '../faults/plan.js';

export interface Counterexample {
  readonly invariant: string;
  readonly key: string;
  readonly message: string;
  readonly trace: string[];
  /** The counterexample: 1-minimal (removing any one fault makes the run pass). */
  readonly candidate: Candidate;
  /** Its fault plan, as --faults takes it; empty when the pipeline fails without any fault. */
  readonly plan: FaultPlan;
  /** The run fails with no fault at all: the bug needs none. */
  readonly faultFree: boolean;
  /** fast-check's shrunk candidate, before the minimal pass, and its path (`replay --seed S --path P` reproduces it). */
  readonly shrunk: Candidate;
  readonly path: string;
  /** The command that reproduces `candidate` exactly. */
  readonly replay: string;
  readonly historyHash: string;
}

export interface CheckResult {
  readonly schemaVersion: 2;
  readonly kind: 'check';
  readonly scenario: string;
  readonly ok: boolean;
  readonly seed: number;
  /** Runs evaluated by the search (up to and including the first failing one). */
  readonly runs: number;
  readonly runsPlanned: number;
  /** This machine's part of a search split across `count` (runs and runsPlanned are the shard's). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** The time budget ended the search before every planned run. */
  readonly interrupted: boolean;
  readonly workers: number;
  /** The parameters every run had before its drawn workload (the scenario's check parameters and the user's). */
  readonly params: Record<string, unknown>;
  readonly counterexample?: Counterexample;
  readonly faultKinds: Record<FaultKind, FaultKindStats>;
  /** Per target ("crash api@after-commit", "outage orders"): runs whose plan aimed at it, runs where it fired. */
  readonly faultTargets: Record<string, FaultKindStats>;
  /**
   * Crash points the scenario declares (its behaviours' own, not the step boundaries) that
   * fired in no run of the search: the code behind them was never crashed in, whatever the
   * verdict (a "sometimes" assertion that never came true). Empty when crashes are out of the space.
   */
  readonly crashPointsNeverFired: string[];
  readonly shrinkRuns: number;
  readonly wall: { readonly ms: number; readonly runsPerSec: number };
}
