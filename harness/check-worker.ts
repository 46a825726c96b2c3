// A worker thread of `faultline check --workers W`: it derives the same check plan and
// draws the same candidate list as the main thread (same seed and shard), and evaluates
// the indices it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario } from './load-scenario.js';
import { kindsOf, sampleCandidates, shardIndices, type Shard } from '../checks/search.js';
import { checkPlan, runCandidate } from './check.js';

interface Init {
  readonly scenarioArg: string;
  readonly overrides: Record<string, unknown>;
  readonly seed: number;
  readonly runs: number;
  readonly shard?: Shard;
}

const init = workerData as Init;
const scenario = await loadScenario(init.scenarioArg);
const plan = checkPlan(scenario, init.overrides);
const all = sampleCandidates(plan.space, init.seed, init.runs);
// The main thread's list: this shard's part of the search, in the same order.
const candidates = shardIndices(init.runs, init.shard).map((i) => all[i]);

parentPort!.on('message', (index: number) => {
  const r = runCandidate(scenario, plan, candidates[index]);
  parentPort!.postMessage({ index, ok: r.ok, ...kindsOf(r) });
});
parentPort!.postMessage({ ready: true });
