// Property search over fault plans and workloads (fast-check). A candidate is a
// workload seed, drawn workload parameters and a swarm fault plan; the property is
// "every invariant holds". Candidates are sampled from one seed and evaluated in
// index order (by worker threads when asked); the first failing index is then handed
// to fast-check, which replays it (seed + path) and shrinks it. The counterexample,
// its shrink path and so its replay command do not depend on the number of workers.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { runScenario } from '../runtime/sim/runner.js';
import { planArbitrary } from '../faults/generators.js';
import { FAULT_KINDS, type FaultKind, type FaultPlan } from '../faults/plan.js';
import type { CheckSpace, Scenario } from '../scenarios/types.js';
import type { RunResult } from '../reports/run-result.js';
import { ScenarioError } from '../scenarios/types.js';

export interface Candidate {
  readonly seed: number;
  readonly workload: Record<string, unknown>;
  readonly faults: FaultPlan;
}

export interface Counterexample {
  readonly invariant: string;
  readonly key: string;
  readonly message: string;
  readonly trace: string[];
  readonly candidate: Candidate;
  /** The minimal fault plan (the candidate's faults), as a plan file or --faults takes it. */
  readonly plan: FaultPlan;
  /** fast-check's replay path of the shrunk counterexample. */
  readonly path: string;
  readonly replay: string;
  readonly historyHash: string;
}

export interface FaultKindStats {
  /** Runs whose plan had this kind. */
  planned: number;
  /** Runs in which it fired at least once. */
  fired: number;
}

export interface CheckResult {
  readonly schemaVersion: 1;
  readonly kind: 'check';
  readonly scenario: string;
  readonly ok: boolean;
  readonly seed: number;
  /** Runs evaluated by the search (up to and including the first failing one). */
  readonly runs: number;
  readonly runsPlanned: number;
  /** The time budget ended the search before every planned run. */
  readonly interrupted: boolean;
  readonly workers: number;
  readonly counterexample?: Counterexample;
  readonly faultKinds: Record<FaultKind, FaultKindStats>;
  readonly shrinkRuns: number;
  readonly wall: { readonly ms: number; readonly runsPerSec: number };
}

export interface CheckOptions {
  readonly runs: number;
  readonly seed: number;
  /** The user's parameters (flags); they override the scenario's check defaults and drawn workload. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly workers?: number;
  /** Stop searching after this long (the result says it was interrupted). */
  readonly maxSeconds?: number;
  /** How the scenario was named on the command line: workers and the replay command load it by this. */
  readonly scenarioArg?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export function checkSpaceOf(scenario: Scenario<unknown>, overrides: Readonly<Record<string, unknown>>): CheckSpace {
  if (scenario.check === undefined) throw new ScenarioError(`scenario "${scenario.name}" does not describe a check space (a check(overrides) function), so it cannot be property-checked`);
  return scenario.check(overrides);
}

export function candidateArbitrary(space: CheckSpace): fc.Arbitrary<Candidate> {
  return fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), workload: space.workload, faults: planArbitrary(space.faults) });
}

export function runCandidate(scenario: Scenario<unknown>, space: CheckSpace, overrides: Readonly<Record<string, unknown>>, c: Candidate, traces = false): RunResult {
  return runScenario(scenario, {
    seed: c.seed,
    overrides: { ...space.overrides, ...c.workload, ...overrides },
    faults: c.faults,
    traceViolations: traces,
    summaries: traces,
    sim: { kafka: space.kafka },
  });
}

/** The candidates a search with this seed evaluates, in order (the same list fast-check's own run would draw). */
export function sampleCandidates(space: CheckSpace, seed: number, runs: number): Candidate[] {
  return fc.sample(candidateArbitrary(space), { seed, numRuns: runs });
}

export function emptyKindStats(): Record<FaultKind, FaultKindStats> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, { planned: 0, fired: 0 }])) as Record<FaultKind, FaultKindStats>;
}

/** What one evaluated run contributes to the per-kind statistics. */
export function kindsOf(r: RunResult): { planned: FaultKind[]; fired: FaultKind[] } {
  const planned = new Set<FaultKind>();
  const fired = new Set<FaultKind>();
  for (const f of r.faults) {
    planned.add(f.kind as FaultKind);
    if (f.fired > 0) fired.add(f.kind as FaultKind);
  }
  return { planned: [...planned], fired: [...fired] };
}

export interface Evaluation {
  readonly index: number;
  readonly ok: boolean;
  readonly planned: FaultKind[];
  readonly fired: FaultKind[];
}

/** Evaluates candidates in index order until one fails, the runs are done or the budget ends. */
export type Evaluator = (candidates: readonly Candidate[], deadline: number, onProgress?: (done: number) => void) => Promise<{ evaluations: Evaluation[]; interrupted: boolean }>;

export function sequentialEvaluator(scenario: Scenario<unknown>, space: CheckSpace, overrides: Readonly<Record<string, unknown>>): Evaluator {
  return async (candidates, deadline, onProgress) => {
    const evaluations: Evaluation[] = [];
    for (let i = 0; i < candidates.length; i++) {
      if (performance.now() > deadline) return { evaluations, interrupted: true };
      const r = runCandidate(scenario, space, overrides, candidates[i]);
      evaluations.push({ index: i, ok: r.ok, ...kindsOf(r) });
      onProgress?.(i + 1);
      if (!r.ok) break;
    }
    return { evaluations, interrupted: false };
  };
}

export function replayCommand(scenarioArg: string, seed: number, path: string, overrides: Readonly<Record<string, unknown>>): string {
  const flags = Object.entries(overrides).map(([k, v]) => `--${k === 'batchSizeMax' ? 'batch-size' : k === 'ratePerSec' ? 'rate' : k} ${String(v)}`);
  return ['faultline replay', scenarioArg, '--seed', String(seed), '--path', path, ...flags].join(' ');
}

/** Re-runs a counterexample from its seed and path; undefined if the property holds there (not reproducible). */
export function replayPath(scenario: Scenario<unknown>, overrides: Readonly<Record<string, unknown>>, seed: number, path: string): { candidate: Candidate; result: RunResult } | undefined {
  const space = checkSpaceOf(scenario, overrides);
  const details = fc.check(fc.property(candidateArbitrary(space), (c) => runCandidate(scenario, space, overrides, c).ok), { seed, path, numRuns: Number.MAX_SAFE_INTEGER });
  if (!details.failed || details.counterexample === null) return undefined;
  const candidate = details.counterexample[0];
  return { candidate, result: runCandidate(scenario, space, overrides, candidate, true) };
}

export async function checkScenario(scenario: Scenario<unknown>, opts: CheckOptions, evaluator?: Evaluator): Promise<CheckResult> {
  const started = performance.now();
  const space = checkSpaceOf(scenario, opts.overrides);
  // Bad parameters fail here, as usage errors, not later inside a worker thread.
  scenario.params({ ...space.overrides, ...opts.overrides });
  const candidates = sampleCandidates(space, opts.seed, opts.runs);
  const deadline = opts.maxSeconds !== undefined ? started + opts.maxSeconds * 1000 : Infinity;
  const evaluate = evaluator ?? sequentialEvaluator(scenario, space, opts.overrides);
  const { evaluations, interrupted } = await evaluate(candidates, deadline, opts.onProgress ? (d) => opts.onProgress!(d, opts.runs) : undefined);

  const faultKinds = emptyKindStats();
  for (const e of evaluations) {
    for (const k of e.planned) faultKinds[k].planned++;
    for (const k of e.fired) faultKinds[k].fired++;
  }
  const failing = evaluations.find((e) => !e.ok);
  let counterexample: Counterexample | undefined;
  let shrinkRuns = 0;
  if (failing !== undefined) {
    // fast-check replays the failing index (path = its index) and shrinks from there.
    const property = fc.property(candidateArbitrary(space), (c) => {
      shrinkRuns++;
      return runCandidate(scenario, space, opts.overrides, c).ok;
    });
    const details = fc.check(property, { seed: opts.seed, path: String(failing.index), numRuns: opts.runs });
    if (!details.failed || details.counterexample === null) {
      throw new Error(`run #${failing.index} of seed ${opts.seed} failed but did not fail again when fast-check replayed it: the simulation is not deterministic`);
    }
    const candidate = details.counterexample[0];
    const final = runCandidate(scenario, space, opts.overrides, candidate, true);
    const broken = final.invariants.find((i) => !i.ok);
    const example = broken?.examples[0];
    const path = details.counterexamplePath ?? String(failing.index);
    counterexample = {
      invariant: broken?.name ?? (final.sim.actorErrors.length > 0 ? 'actor-error' : 'unknown'),
      key: example?.key ?? '-',
      message: example?.message ?? final.sim.actorErrors[0]?.message ?? '',
      trace: example?.trace ?? [],
      candidate,
      plan: candidate.faults,
      path,
      replay: replayCommand(opts.scenarioArg ?? scenario.name, opts.seed, path, opts.overrides),
      historyHash: final.historyHash,
    };
  }
  const ms = performance.now() - started;
  return {
    schemaVersion: 1,
    kind: 'check',
    scenario: scenario.name,
    ok: failing === undefined,
    seed: opts.seed,
    runs: evaluations.length,
    runsPlanned: opts.runs,
    interrupted,
    workers: opts.workers ?? 1,
    counterexample,
    faultKinds,
    shrinkRuns,
    wall: { ms: Math.round(ms), runsPerSec: Math.round((evaluations.length / (ms / 1000)) * 10) / 10 },
  };
}
