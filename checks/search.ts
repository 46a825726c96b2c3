// Property search over fault plans and workloads (fast-check), for any pipeline. A
// candidate is a workload seed, drawn workload parameters and a swarm fault plan; the
// property is "the run's verdict is ok". Candidates are sampled from one seed and
// evaluated in index order (by worker threads when asked); the first failing index is
// then handed to fast-check, which replays it (seed + path) and shrinks it. The
// counterexample, its shrink path and so its replay command do not depend on the number
// of workers. What a run is, is the caller's: this engine only searches.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { planArbitrary, type FaultSpace } from '../faults/generators.js';
import { FAULT_KINDS, type FaultKind, type FaultPlan } from '../faults/plan.js';

export interface Candidate {
  readonly seed: number;
  readonly workload: Record<string, unknown>;
  readonly faults: FaultPlan;
}

export interface SearchSpace {
  readonly workload: fc.Arbitrary<Record<string, unknown>>;
  readonly faults: FaultSpace;
}

/** What one run says: its verdict and what each planned fault did. */
export interface RunOutcome {
  readonly ok: boolean;
  readonly faults: readonly (Record<string, unknown> & { readonly fired: number })[];
}

export type RunCandidate = (c: Candidate) => RunOutcome;

export interface FaultKindStats {
  /** Runs whose plan had this kind. */
  planned: number;
  /** Runs in which it fired at least once. */
  fired: number;
}

export function candidateArbitrary(space: SearchSpace): fc.Arbitrary<Candidate> {
  return fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), workload: space.workload, faults: planArbitrary(space.faults) });
}

/** The candidates a search with this seed evaluates, in order (the same list fast-check's own run would draw). */
export function sampleCandidates(space: SearchSpace, seed: number, runs: number): Candidate[] {
  return fc.sample(candidateArbitrary(space), { seed, numRuns: runs });
}

/** One of N machines' part of a search: shard `index` (1..count) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The indices of a search's candidate list that a shard evaluates: every count-th, from
 * index - 1. Interleaved, not in blocks: each shard meets early candidates early, and
 * the shards together evaluate exactly the single-machine list.
 */
export function shardIndices(runs: number, shard: Shard | undefined): number[] {
  const out: number[] = [];
  for (let i = shard === undefined ? 0 : shard.index - 1; i < runs; i += shard?.count ?? 1) out.push(i);
  return out;
}

export function emptyKindStats(): Record<FaultKind, FaultKindStats> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, { planned: 0, fired: 0 }])) as Record<FaultKind, FaultKindStats>;
}

/**
 * What a fault aims at, as coverage counts it: its kind and target ("crash api@after-commit",
 * "outage orders", "lose-response customers:response"); times and intensities left out.
 */
export function targetOf(f: Readonly<Record<string, unknown>>): string {
  const s = (k: string) => String(f[k]);
  switch (f.kind) {
    case 'crash': return f.point !== undefined ? `crash ${s('actor')}@${s('point')}` : `crash ${s('actor')} (at a time)`;
    case 'redeliver': case 'rewind': return `${s('kind')} ${s('group')}`;
    case 'lose-response': return `lose-response ${s('to')}:${s('messageType')}`;
    case 'delay': case 'reorder': return f.from !== undefined ? `${s('kind')} ${s('from')}->${s('to')}` : `${s('kind')} ->${s('to')}`;
    case 'outage': case 'poison': case 'leader-failover': return `${s('kind')} ${s('topic')}`;
    case 'lease-expiry': return `lease-expiry ${s('actor')}:${s('messageType')}`;
    default: return `${s('kind')} ${s('actor')}`;
  }
}

/** What one evaluated run contributes to the coverage statistics: kinds, and targets, planned and fired. */
export function kindsOf(r: RunOutcome): { planned: FaultKind[]; fired: FaultKind[]; targetsPlanned: string[]; targetsFired: string[] } {
  const planned = new Set<FaultKind>();
  const fired = new Set<FaultKind>();
  const targetsPlanned = new Set<string>();
  const targetsFired = new Set<string>();
  for (const f of r.faults) {
    const target = targetOf(f);
    planned.add(f.kind as FaultKind);
    targetsPlanned.add(target);
    if (f.fired > 0) {
      fired.add(f.kind as FaultKind);
      targetsFired.add(target);
    }
  }
  return { planned: [...planned], fired: [...fired], targetsPlanned: [...targetsPlanned], targetsFired: [...targetsFired] };
}

export interface Evaluation {
  readonly index: number;
  readonly ok: boolean;
  readonly planned: FaultKind[];
  readonly fired: FaultKind[];
  readonly targetsPlanned: string[];
  readonly targetsFired: string[];
}

/** Evaluates candidates in index order until one fails, the runs are done or the budget ends. */
export type Evaluator = (candidates: readonly Candidate[], deadline: number, onProgress?: (done: number) => void) => Promise<{ evaluations: Evaluation[]; interrupted: boolean }>;

export function sequentialEvaluator(run: RunCandidate): Evaluator {
  return async (candidates, deadline, onProgress) => {
    const evaluations: Evaluation[] = [];
    for (let i = 0; i < candidates.length; i++) {
      if (performance.now() > deadline) return { evaluations, interrupted: true };
      const r = run(candidates[i]);
      evaluations.push({ index: i, ok: r.ok, ...kindsOf(r) });
      onProgress?.(i + 1);
      if (!r.ok) break;
    }
    return { evaluations, interrupted: false };
  };
}

export interface SearchOptions {
  readonly seed: number;
  readonly runs: number;
  /** Stop searching after this long (the result says it was interrupted). */
  readonly maxSeconds?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Evaluate only this shard's candidates; a failure is shrunk from its index in the whole list, so its counterexample is the single machine's. */
  readonly shard?: Shard;
}

export interface SearchOutcome {
  /** Runs evaluated (up to and including the first failing one). */
  readonly runs: number;
  readonly interrupted: boolean;
  readonly faultKinds: Record<FaultKind, FaultKindStats>;
  /** Per target (see targetOf), in order of first appearance: runs whose plan aimed at it, runs where it fired. */
  readonly faultTargets: Record<string, FaultKindStats>;
  /**
   * The failing candidate, shrunk by fast-check (`shrunk`, reached by `path`) and then made
   * 1-minimal (`candidate`: removing any one of its faults makes the run pass; no faults at
   * all when it fails without any).
   */
  readonly failure?: { readonly candidate: Candidate; readonly shrunk: Candidate; readonly path: string; readonly shrinkRuns: number };
  readonly ms: number;
}

export async function search(space: SearchSpace, run: RunCandidate, o: SearchOptions, evaluator?: Evaluator): Promise<SearchOutcome> {
  const started = performance.now();
  const all = sampleCandidates(space, o.seed, o.runs);
  const indices = shardIndices(o.runs, o.shard);
  const candidates = indices.map((i) => all[i]);
  const deadline = o.maxSeconds !== undefined ? started + o.maxSeconds * 1000 : Infinity;
  const evaluate = evaluator ?? sequentialEvaluator(run);
  const { evaluations, interrupted } = await evaluate(candidates, deadline, o.onProgress ? (d) => o.onProgress!(d, candidates.length) : undefined);
  const faultKinds = emptyKindStats();
  const faultTargets: Record<string, FaultKindStats> = {};
  for (const e of evaluations) {
    for (const k of e.planned) faultKinds[k].planned++;
    for (const k of e.fired) faultKinds[k].fired++;
    for (const t of e.targetsPlanned) (faultTargets[t] ??= { planned: 0, fired: 0 }).planned++;
    for (const t of e.targetsFired) (faultTargets[t] ??= { planned: 0, fired: 0 }).fired++;
  }
  const failing = evaluations.find((e) => !e.ok);
  let failure: SearchOutcome['failure'];
  if (failing !== undefined) {
    let shrinkRuns = 0;
    // fast-check replays the failing index (path = its index in the whole list) and shrinks from there.
    const property = fc.property(candidateArbitrary(space), (c) => {
      shrinkRuns++;
      return run(c).ok;
    });
    const index = indices[failing.index];
    const details = fc.check(property, { seed: o.seed, path: String(index), numRuns: o.runs });
    if (!details.failed || details.counterexample === null) {
      throw new Error(`run #${index} of seed ${o.seed} failed but did not fail again when fast-check replayed it: the simulation is not deterministic`);
    }
    const shrunk = details.counterexample[0];
    const minimal = minimize(shrunk, run);
    failure = { candidate: minimal.candidate, shrunk, path: details.counterexamplePath ?? String(index), shrinkRuns: shrinkRuns + minimal.runs };
  }
  return { runs: evaluations.length, interrupted, faultKinds, faultTargets, failure, ms: performance.now() - started };
}

/**
 * Makes a failing candidate 1-minimal: first whether it fails with no fault at all, then,
 * while some single fault can be removed and the run still fails, removes it. A
 * counterexample is read as the cause, so it must hold only the faults that matter
 * (fast-check's shrinking can leave one that does not: it shrinks values, and stops at a
 * local minimum).
 */
export function minimize(c: Candidate, run: RunCandidate): { candidate: Candidate; runs: number } {
  let runs = 0;
  const fails = (faults: FaultPlan) => {
    runs++;
    return !run({ ...c, faults }).ok;
  };
  if (c.faults.length === 0) return { candidate: c, runs };
  if (fails([])) return { candidate: { ...c, faults: [] }, runs };
  let faults = c.faults;
  for (let changed = true; changed && faults.length > 1;) {
    changed = false;
    for (let i = 0; i < faults.length; i++) {
      const fewer = faults.filter((_, j) => j !== i);
      if (fails(fewer)) {
        faults = fewer;
        changed = true;
        break;
      }
    }
  }
  return { candidate: { ...c, faults }, runs };
}

/** The candidate a seed and path lead to, if it fails there (undefined: the property holds there). */
export function replayPath(space: SearchSpace, run: RunCandidate, seed: number, path: string): Candidate | undefined {
  const details = fc.check(fc.property(candidateArbitrary(space), (c) => run(c).ok), { seed, path, numRuns: Number.MAX_SAFE_INTEGER });
  if (!details.failed || details.counterexample === null) return undefined;
  return details.counterexample[0];
}
