// Property-search figures: runs/s on the 200-refund check scenario with random plans
// (one worker and two), and how many runs the search needs to catch each broken
// variant (median over seeds, no shrinking: the first failing run counts).
import { performance } from 'node:perf_hooks';
import { sampleCandidates } from '../checks/search.js';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { workerEvaluator } from '../harness/worker-pool.js';
import scenario from '../scenarios/refunds/index.js';
import type { Scenario } from '../harness/scenario.js';
import { loadScenario } from '../harness/load-scenario.js';
import { fileURLToPath } from 'node:url';

export async function checkRunsPerSec(runs: number, workers: number): Promise<number> {
  const t0 = performance.now();
  const r = await checkScenario(scenario, { runs, seed: 1, overrides: {}, workers, scenarioArg: 'refunds' },
    workers > 1 ? workerEvaluator(workers, { scenarioArg: 'refunds', overrides: {}, seed: 1, runs }) : undefined);
  if (!r.ok) throw new Error('the correct pipeline failed during the benchmark');
  return r.runs / ((performance.now() - t0) / 1000);
}

/** Runs until the first failure for each seed (capped); the median over seeds. */
export function runsToCatch(target: Scenario<any>, variant: string, seeds: number, cap: number): { median: number; caught: number } {
  const overrides = { variant };
  const plan = checkPlan(target, overrides);
  const counts: number[] = [];
  let caught = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const candidates = sampleCandidates(plan.space, seed, cap);
    let n = cap + 1;
    for (let i = 0; i < candidates.length; i++) {
      if (!runCandidate(target, plan, candidates[i]).ok) {
        n = i + 1;
        caught++;
        break;
      }
    }
    counts.push(n);
  }
  counts.sort((a, b) => a - b);
  return { median: counts[Math.floor(counts.length / 2)], caught };
}

/** Every broken variant of the zoo: the reference pipeline's and the examples' (the two-fault ones among them). */
export const ZOO_SCENARIOS = ['refunds', 'orders', 'payments-dedup', 'incidents', 'gateway', 'ledger', 'dual-writes', 'examples/order-payments.ts', 'examples/two-services.ts', 'examples/status-callbacks.ts'];

export async function zoo(): Promise<{ scenario: Scenario<any>; variant: string }[]> {
  // As the CLI loads them (the examples are TypeScript files beside the build, not in it).
  const root = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
  const scenarios: Scenario<any>[] = [];
  for (const name of ZOO_SCENARIOS) scenarios.push(await loadScenario(name.includes('/') ? `${root}${name}` : name));
  // A scenario whose default design has a documented bug: the default is broken, its fix is not.
  const sound = (s: Scenario<any>, v: string) => v === s.fixedBy || (s.alternatives ?? []).includes(v);
  const broken = (s: Scenario<any>) => (s.fixedBy !== undefined ? [s.defaultVariant!, ...Object.keys(s.variants ?? {}).filter((v) => !sound(s, v))] : Object.keys(s.variants ?? {}).filter((v) => !sound(s, v)));
  return scenarios.flatMap((s) => broken(s).map((variant) => ({ scenario: s, variant })));
}
