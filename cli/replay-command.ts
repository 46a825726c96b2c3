// `faultline replay <scenario> --seed S --path P` re-runs a counterexample found by
// check (fast-check regenerates it from seed and path); `--plan FILE` re-runs a saved
// one ({seed, workload, faults}). Same summary as `run`, same exit codes.
import { existsSync, readFileSync } from 'node:fs';
import { checkPlan, replayPath, runCandidate } from '../harness/check.js';
import type { Candidate } from '../checks/search.js';
import { loadScenario } from '../harness/load-scenario.js';
import { parseFaultPlan } from '../faults/load-plan.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { parseNumberFlag } from './flags.js';
import { EXIT, UsageError } from './usage-error.js';
import { scenarioOverrides } from './scenario-args.js';

/** A counterexample: inline JSON, or a file of it (a check or replay --json output holds one too). */
function readPlanFile(arg: string): Candidate {
  const inline = /^\s*[[{]/.test(arg);
  const file = inline ? 'the inline plan' : arg;
  if (!inline && !existsSync(arg)) throw new UsageError(`--plan ${arg}: no such file (give a file, or the JSON itself: '{"seed":0,"workload":{},"faults":[…]}').`);
  let data: { seed?: unknown; workload?: unknown; faults?: unknown; candidate?: unknown };
  try {
    data = JSON.parse(inline ? arg : readFileSync(arg, 'utf8'));
  } catch (err) {
    throw new UsageError(`--plan ${inline ? '' : `${arg} `}is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A saved `check --json` or `replay --json` output holds the candidate inside.
  const c = (data.candidate ?? (data as { counterexample?: { candidate?: unknown } }).counterexample?.candidate ?? data) as { seed?: unknown; workload?: unknown; faults?: unknown };
  if (Array.isArray(data)) throw new UsageError(`--plan ${file} is a bare fault list: a counterexample is {"seed": …, "workload": {…}, "faults": [...]} (give the faults alone to "run --faults").`);
  if (typeof c.seed !== 'number' || !Number.isSafeInteger(c.seed)) throw new UsageError(`--plan ${file} needs a whole-number "seed" (the workload seed of the counterexample).`);
  return { seed: c.seed, workload: (c.workload ?? {}) as Record<string, unknown>, faults: parseFaultPlan(c.faults ?? [], file) };
}

export async function replayCommand(a: Record<string, unknown>): Promise<number> {
  const scenario = await loadScenario(String(a.scenario));
  const overrides = scenarioOverrides(a, scenario);
  if ((a.path === undefined) === (a.plan === undefined)) throw new UsageError('replay needs either --seed S --path P (from check) or --plan FILE.');
  let candidate: Candidate;
  let result;
  if (a.plan !== undefined) {
    candidate = readPlanFile(String(a.plan));
    result = runCandidate(scenario, checkPlan(scenario, overrides), candidate, true);
  } else {
    const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 });
    if (seed === undefined) throw new UsageError('--path needs the --seed of the check that printed it.');
    const path = String(a.path);
    if (!/^\d+(:\d+)*$/.test(path)) throw new UsageError(`--path must look like 12:0:3 (as check prints it), got "${path}".`);
    const found = replayPath(scenario, overrides, seed, path);
    if (found === undefined) {
      process.stderr.write(`faultline: seed ${seed} path ${path} did not fail: every invariant held (different flags than the check, or a changed pipeline?).\n`);
      return EXIT.ok;
    }
    candidate = found.candidate;
    result = found.result;
  }
  if (a.json === true) process.stdout.write(JSON.stringify({ candidate, result }) + '\n');
  else {
    process.stdout.write(`counterexample: workload seed ${candidate.seed}, workload ${JSON.stringify(candidate.workload)}, faults ${JSON.stringify(candidate.faults)}\n`);
    process.stdout.write(renderRunSummary(result, process.stdout.isTTY === true) + '\n');
  }
  return result.ok ? EXIT.ok : EXIT.invariantFailed;
}
