// The testing API for users' CI (`import { checkScenario, runOnce } from 'faultline/testing'`):
// a property search or a single run of a scenario, as values a test asserts on. The
// search's verdict is a discriminated union: passed (with what the faults covered),
// failed (the invariant, the key, its trace, the shrunk plan, the replay command), or
// interrupted by its time budget.
import { checkScenario as search } from './check.js';
import { runScenario } from './run.js';
import type { BaseParams, Scenario } from './scenario.js';
import type { FaultPlan } from '../faults/plan.js';
import type { FaultKindStats } from '../checks/search.js';
import type { RunResult } from '../reports/run-result.js';

export interface CheckScenarioOptions {
  /** Runs to search (default 100). */
  readonly runs?: number;
  /** The search's seed (default 1: a test is repeatable). */
  readonly seed?: number;
  /** Parameters under the scenario's check parameters (e.g. a smaller count). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly variant?: string;
  /** Stop after this long; the outcome is then "interrupted" unless something failed. */
  readonly maxSeconds?: number;
  /** How the command line names the scenario (its module's path), for the replay command; default its name. */
  readonly module?: string;
}

interface Searched {
  readonly scenario: string;
  readonly seed: number;
  /** Runs evaluated. */
  readonly runs: number;
  /** Per fault kind: runs whose plan had it, runs where it fired. */
  readonly coverage: Readonly<Record<string, FaultKindStats>>;
  /** Per target ("crash api@after-commit", "outage orders"): runs whose plan aimed at it, runs where it fired. */
  readonly targets: Readonly<Record<string, FaultKindStats>>;
  /** Declared crash points that fired in no run ("actor@point"): the code behind them was never crashed in. */
  readonly crashPointsNeverFired: readonly string[];
}

export type CheckOutcome =
  | (Searched & { readonly status: 'passed' })
  | (Searched & { readonly status: 'interrupted' })
  | (Searched & {
    readonly status: 'failed';
    readonly invariant: string;
    readonly key: string;
    readonly message: string;
    readonly trace: readonly string[];
    /** The minimal fault plan (what `run --faults` takes); empty when the pipeline fails without any fault. */
    readonly plan: FaultPlan;
    readonly workload: Readonly<Record<string, unknown>>;
    /** The command that reproduces it exactly (`faultline replay … --plan '{…}'`). */
    readonly replay: string;
  });

export async function checkScenario<P extends BaseParams>(scenario: Scenario<P>, o: CheckScenarioOptions = {}): Promise<CheckOutcome> {
  const overrides = { ...o.params, ...(o.variant !== undefined ? { variant: o.variant } : {}) };
  const r = await search(scenario, { runs: o.runs ?? 100, seed: o.seed ?? 1, overrides, maxSeconds: o.maxSeconds, scenarioArg: o.module });
  const base: Searched = { scenario: r.scenario, seed: r.seed, runs: r.runs, coverage: r.faultKinds, targets: r.faultTargets, crashPointsNeverFired: r.crashPointsNeverFired };
  const c = r.counterexample;
  if (c !== undefined) {
    return { ...base, status: 'failed', invariant: c.invariant, key: c.key, message: c.message, trace: c.trace, plan: c.plan, workload: c.candidate.workload, replay: c.replay };
  }
  return { ...base, status: r.interrupted ? 'interrupted' : 'passed' };
}

/** One simulated run (seed 1 unless given): the full result, as `faultline run --json` prints it. */
export function runOnce<P extends BaseParams>(scenario: Scenario<P>, o: { seed?: number; params?: Readonly<Record<string, unknown>>; variant?: string; faults?: FaultPlan } = {}): RunResult {
  return runScenario(scenario, {
    seed: o.seed ?? 1,
    overrides: { ...o.params, ...(o.variant !== undefined ? { variant: o.variant } : {}) },
    faults: o.faults,
  });
}
