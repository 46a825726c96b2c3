// `faultline check <scenario>`: property search over random fault plans; on a failure,
// the shrunk counterexample and the exact replay command (exit 1).
import { SingleBar, Presets } from 'cli-progress';
import { checkScenario } from '../checks/property-search.js';
import { workerEvaluator } from '../checks/worker-pool.js';
import { renderCheckSummary } from '../reports/check-summary.js';
import { ScenarioError } from '../scenarios/types.js';
import { VARIANTS } from '../actors/refunds/variants.js';
import { parseNumberFlag } from './flags.js';
import { loadScenario } from './load-scenario.js';
import { EXIT, UsageError } from './usage-error.js';
import { defaultSeed, scenarioOverrides, type ScenarioFlags } from './scenario-flags.js';

export interface CheckArgs extends ScenarioFlags {
  scenario: string;
  runs?: unknown;
  seed?: unknown;
  workers?: unknown;
  maxSeconds?: unknown;
  json?: boolean;
  listVariants?: boolean;
}

export async function checkCommand(args: CheckArgs): Promise<number> {
  if (args.listVariants === true) {
    const width = Math.max(...Object.keys(VARIANTS).map((k) => k.length));
    for (const [name, what] of Object.entries(VARIANTS)) process.stdout.write(`${name.padEnd(width)}  ${what}\n`);
    return EXIT.ok;
  }
  const scenario = await loadScenario(args.scenario);
  const runs = parseNumberFlag('runs', args.runs, { integer: true, min: 1 }) ?? 100;
  const seed = parseNumberFlag('seed', args.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const workers = parseNumberFlag('workers', args.workers, { integer: true, min: 1 }) ?? 1;
  if (workers > 64) throw new UsageError(`--workers must be at most 64, got ${workers}.`);
  const maxSeconds = parseNumberFlag('max-seconds', args.maxSeconds, { positive: true });
  const overrides = scenarioOverrides(args);
  const quiet = args.json === true;
  if (!quiet) process.stdout.write(`faultline check ${args.scenario} --seed ${seed} --runs ${runs}\n`);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' runs [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(runs, 0);
  try {
    const result = await checkScenario(scenario, {
      runs, seed, overrides, workers, maxSeconds, scenarioArg: args.scenario,
      onProgress: bar ? (done) => bar.update(done) : undefined,
    }, workers > 1 ? workerEvaluator(workers, { scenarioArg: args.scenario, overrides, seed, runs }) : undefined);
    bar?.stop();
    process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderCheckSummary(result, process.stdout.isTTY === true) + '\n');
    return result.ok ? EXIT.ok : EXIT.invariantFailed;
  } catch (err) {
    bar?.stop();
    if (err instanceof ScenarioError) throw new UsageError(`scenario "${scenario.name}": ${err.message}.`);
    throw err;
  }
}
