// `faultline check`: property search of a scenario over its derived fault space. Runs use
// the scenario's check parameters (a small load, short timeouts) under the user's own, a
// workload drawn per run if the scenario declares one, and Kafka client timeouts scaled
// to a run of a few seconds. On a failure: the shrunk counterexample, its trace and the
// exact replay command.
import fc from 'fast-check';
import type { KafkaOptions } from '../runtime/sim/kernel.js';
import { replayPath as replayPathOf, search, sequentialEvaluator, shardIndices, targetOf, type Shard, type Candidate, type Evaluator, type FaultKindStats, type SearchSpace } from '../checks/search.js';
import { kindsIn, type FaultSpace } from '../faults/generators.js';
import { declaredCrashPoints } from '../faults/derive.js';
import type { FaultPlan } from '../faults/plan.js';
import type { CheckResult, Counterexample } from '../reports/check-result.js';
import type { RunResult } from '../reports/run-result.js';
import { runScenario } from './run.js';
import { faultSpaceOf } from './probe.js';
import type { BaseParams, Scenario } from './scenario.js';
import { formatArrival } from './params.js';

/** Property runs, unless the scenario says otherwise: 200 requests over 0.8 s, callers that time out after 2 s. */
export const CHECK_PARAMS = { count: 200, ratePerSec: 250, clientTimeoutMs: 2_000 } as const;

/** Kafka timeouts scaled to a run of a few seconds, the delivery timeout among them, so an outage inside the horizon can outlast it. */
export const CHECK_KAFKA: Partial<KafkaOptions> = { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 1_000, requestTimeoutMs: 500, deliveryTimeoutMs: 1_500, fetchMaxWaitMs: 200 };

export interface CheckPlan {
  /** Parameters of every run before its drawn workload. */
  readonly base: Readonly<Record<string, unknown>>;
  /** The user's parameters: they win over the drawn workload. */
  readonly user: Readonly<Record<string, unknown>>;
  readonly space: SearchSpace;
  readonly kafka: Partial<KafkaOptions>;
}

/** What a search of this scenario explores; bad parameters fail here, as usage errors. */
export function checkPlan<P extends BaseParams>(scenario: Scenario<P>, user: Readonly<Record<string, unknown>>): CheckPlan {
  const base = { ...CHECK_PARAMS, ...scenario.check?.params };
  const params = scenario.parse({ ...base, ...user });
  const kafka = { ...CHECK_KAFKA, ...scenario.check?.kafka };
  return { base, user, kafka, space: { workload: scenario.check?.workload ?? fc.constant({}), faults: faultSpaceOf(scenario, params, { kafka }) } };
}

export function runCandidate<P extends BaseParams>(scenario: Scenario<P>, plan: CheckPlan, c: Candidate, traces = false): RunResult {
  return runScenario(scenario, {
    seed: c.seed,
    overrides: { ...plan.base, ...c.workload, ...plan.user },
    faults: c.faults,
    traceViolations: traces,
    summaries: traces,
    sim: { kafka: plan.kafka },
  });
}

/** The flags that give these parameters on the command line. */
export function paramFlags(overrides: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(overrides).map(([k, v]) => {
    if (k === 'count') return `--count ${String(v)}`;
    if (k === 'ratePerSec') return `--rate ${String(v)}`;
    if (k === 'variant') return `--variant ${String(v)}`;
    if (k === 'arrival') return `--arrival ${formatArrival(v as never)}`;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return `--param ${/^[\w.:,-]+$/.test(text) ? `${k}=${text}` : `'${k}=${text.replace(/'/g, "'\\''")}'`}`;
  });
}

/** The command that reproduces a candidate: the plan itself, inline. */
export function replayCommand(scenarioArg: string, c: Candidate, user: Readonly<Record<string, unknown>>): string {
  const plan = JSON.stringify({ seed: c.seed, workload: c.workload, faults: c.faults }).replace(/'/g, "'\\''");
  return ['faultline replay', scenarioArg, '--plan', `'${plan}'`, ...paramFlags(user)].join(' ');
}

export interface CheckOptions {
  readonly runs: number;
  readonly seed: number;
  /** The user's parameters (flags); they override the scenario's check parameters and the drawn workload. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly workers?: number;
  readonly maxSeconds?: number;
  /** This machine's part of a search split across N (CI matrix jobs). */
  readonly shard?: Shard;
  /** How the scenario was named on the command line: workers and the replay command load it by this. */
  readonly scenarioArg?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export async function checkScenario<P extends BaseParams>(scenario: Scenario<P>, opts: CheckOptions, evaluator?: Evaluator): Promise<CheckResult> {
  const plan = checkPlan(scenario, opts.overrides);
  const run = (c: Candidate) => runCandidate(scenario, plan, c);
  const outcome = await search(plan.space, run, { seed: opts.seed, runs: opts.runs, maxSeconds: opts.maxSeconds, onProgress: opts.onProgress, shard: opts.shard }, evaluator ?? sequentialEvaluator(run));
  let counterexample: Counterexample | undefined;
  if (outcome.failure !== undefined) {
    const { candidate, path, shrunk } = outcome.failure;
    const final = runCandidate(scenario, plan, candidate, true);
    const broken = final.invariants.find((i) => !i.ok);
    const example = broken?.examples[0];
    counterexample = {
      invariant: broken?.name ?? (final.sim.actorErrors.length > 0 ? 'actor-error' : 'unknown'),
      key: example?.key ?? '-',
      message: example?.message ?? final.sim.actorErrors[0]?.message ?? '',
      trace: example?.trace ?? [],
      candidate,
      plan: candidate.faults,
      faultFree: candidate.faults.length === 0,
      shrunk,
      path,
      replay: replayCommand(opts.scenarioArg ?? scenario.name, candidate, opts.overrides),
      historyHash: final.historyHash,
    };
  }
  return {
    schemaVersion: 2,
    kind: 'check',
    scenario: scenario.name,
    ok: outcome.failure === undefined,
    seed: opts.seed,
    runs: outcome.runs,
    runsPlanned: shardIndices(opts.runs, opts.shard).length,
    ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
    interrupted: outcome.interrupted,
    workers: opts.workers ?? 1,
    params: { ...plan.base, ...plan.user },
    counterexample,
    faultKinds: outcome.faultKinds,
    faultTargets: sortedByKey(outcome.faultTargets),
    crashPointsNeverFired: crashPointsNeverFired(plan.space.faults, outcome.faultTargets, counterexample?.candidate.faults ?? []),
    shrinkRuns: outcome.failure?.shrinkRuns ?? 0,
    wall: { ms: Math.round(outcome.ms), runsPerSec: Math.round((outcome.runs / (outcome.ms / 1000)) * 10) / 10 },
  };
}

const sortedByKey = <V>(r: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The declared (behaviour) crash points of the space that fired in no run of the search,
 * nor in the counterexample's plan (which the shrinking crashed at, if the search did not).
 */
function crashPointsNeverFired(space: FaultSpace, targets: Record<string, FaultKindStats>, counterexample: FaultPlan): string[] {
  if (!kindsIn(space).includes('crash')) return [];
  const inCounterexample = new Set(counterexample.map((f) => (f.kind === 'crash' && 'point' in f ? `${f.actor}@${f.point}` : '')));
  return declaredCrashPoints(space)
    .filter((p) => (targets[targetOf({ kind: 'crash', ...p })]?.fired ?? 0) === 0)
    .map((p) => `${p.actor}@${p.point}`)
    .filter((p) => !inCounterexample.has(p));
}

/** Re-runs a counterexample from its seed and path; undefined if the property holds there. */
export function replayPath<P extends BaseParams>(scenario: Scenario<P>, overrides: Readonly<Record<string, unknown>>, seed: number, path: string): { candidate: Candidate; result: RunResult } | undefined {
  const plan = checkPlan(scenario, overrides);
  const candidate = replayPathOf(plan.space, (c) => runCandidate(scenario, plan, c), seed, path);
  return candidate === undefined ? undefined : { candidate, result: runCandidate(scenario, plan, candidate, true) };
}
