// A worker thread of `faultline check --workers W`: it draws the same candidate list
// as the main thread (same seed) and evaluates the indices it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario } from '../cli/load-scenario.js';
import { checkSpaceOf, kindsOf, runCandidate, sampleCandidates } from './property-search.js';

interface Init {
  readonly scenarioArg: string;
  readonly overrides: Record<string, unknown>;
  readonly seed: number;
  readonly runs: number;
}

const init = workerData as Init;
const scenario = await loadScenario(init.scenarioArg);
const space = checkSpaceOf(scenario, init.overrides);
const candidates = sampleCandidates(space, init.seed, init.runs);

parentPort!.on('message', (index: number) => {
  const r = runCandidate(scenario, space, init.overrides, candidates[index]);
  parentPort!.postMessage({ index, ok: r.ok, ...kindsOf(r) });
});
parentPort!.postMessage({ ready: true });
