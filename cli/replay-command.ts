// `faultline replay <scenario> --seed S --path P` re-runs a counterexample found by
// check (fast-check regenerates it from seed and path); `--plan FILE` re-runs a saved
// one ({seed, workload, faults}). Same summary as `run`, same exit codes.
import { existsSync, readFileSync } from 'node:fs';
import { replayPath, runCandidate, checkSpaceOf, type Candidate } from '../checks/property-search.js';
import { parseFaultPlan } from '../faults/load-plan.js';
import { FaultPlanError } from '../faults/inject.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { ScenarioError } from '../scenarios/types.js';
import { parseNumberFlag } from './flags.js';
import { loadScenario } from './load-scenario.js';
import { EXIT, UsageError } from './usage-error.js';
import { scenarioOverrides, type ScenarioFlags } from './scenario-flags.js';

export interface ReplayArgs extends ScenarioFlags {
  scenario: string;
  seed?: unknown;
  path?: string;
  plan?: string;
  json?: boolean;
}

function readPlanFile(file: string): Candidate {
  if (!existsSync(file)) throw new UsageError(`--plan ${file}: no such file.`);
  let data: { seed?: unknown; workload?: unknown; faults?: unknown };
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--plan ${file} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof data.seed !== 'number' || !Number.isSafeInteger(data.seed)) throw new UsageError(`--plan ${file} needs a whole-number "seed" (the workload seed of the counterexample).`);
  try {
    return { seed: data.seed, workload: (data.workload ?? {}) as Record<string, unknown>, faults: parseFaultPlan(data.faults, file) };
  } catch (err) {
    if (err instanceof FaultPlanError) throw new UsageError(err.message);
    throw err;
  }
}

export async function replayCommand(args: ReplayArgs): Promise<number> {
  const scenario = await loadScenario(args.scenario);
  const overrides = scenarioOverrides(args);
  if ((args.path === undefined) === (args.plan === undefined)) throw new UsageError('replay needs either --seed S --path P (from check) or --plan FILE.');
  try {
    let candidate: Candidate;
    let result;
    if (args.plan !== undefined) {
      candidate = readPlanFile(args.plan);
      result = runCandidate(scenario, checkSpaceOf(scenario, overrides), overrides, candidate, true);
    } else {
      const seed = parseNumberFlag('seed', args.seed, { integer: true, min: 0 });
      if (seed === undefined) throw new UsageError('--path needs the --seed of the check that printed it.');
      if (!/^\d+(:\d+)*$/.test(args.path!)) throw new UsageError(`--path must look like 12:0:3 (as check prints it), got "${args.path}".`);
      const found = replayPath(scenario, overrides, seed, args.path!);
      if (found === undefined) {
        process.stderr.write(`faultline: seed ${seed} path ${args.path} did not fail: every invariant held (different flags than the check, or a changed pipeline?).\n`);
        return EXIT.ok;
      }
      candidate = found.candidate;
      result = found.result;
    }
    if (args.json === true) process.stdout.write(JSON.stringify({ candidate, result }) + '\n');
    else {
      process.stdout.write(`counterexample: workload seed ${candidate.seed}, workload ${JSON.stringify(candidate.workload)}, faults ${JSON.stringify(candidate.faults)}\n`);
      process.stdout.write(renderRunSummary(result, process.stdout.isTTY === true) + '\n');
    }
    return result.ok ? EXIT.ok : EXIT.invariantFailed;
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario "${scenario.name}": ${err.message}.`);
    throw err;
  }
}
