// `faultline check <scenario>`: property search over random fault plans; on a failure,
// the shrunk counterexample and the exact replay command (exit 1).
import { SingleBar, Presets } from 'cli-progress';
import { checkScenario } from '../harness/check.js';
import { workerEvaluator } from '../harness/worker-pool.js';
import type { Shard } from '../checks/search.js';
import { loadScenario } from '../harness/load-scenario.js';
import { renderCheckSummary } from '../reports/check-summary.js';
import { parseNumberFlag } from './flags.js';
import { EXIT, UsageError } from './usage-error.js';
import { commandLine, defaultSeed, scenarioOverrides } from './scenario-args.js';

export async function checkCommand(a: Record<string, unknown>): Promise<number> {
  const scenarioArg = String(a.scenario);
  const scenario = await loadScenario(scenarioArg);
  if (a['list-variants'] === true) {
    const variants = Object.entries(scenario.variants ?? {});
    if (variants.length === 0) process.stdout.write(`scenario "${scenario.name}" declares no variants\n`);
    const width = Math.max(0, ...variants.map(([k]) => k.length));
    for (const [name, what] of variants) process.stdout.write(`${name.padEnd(width)}  ${what}\n`);
    return EXIT.ok;
  }
  const runs = parseNumberFlag('runs', a.runs, { integer: true, min: 1 }) ?? 100;
  const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const workers = parseNumberFlag('workers', a.workers, { integer: true, min: 1 }) ?? 1;
  if (workers > 64) throw new UsageError(`--workers must be at most 64, got ${workers}.`);
  const maxSeconds = parseNumberFlag('max-seconds', a['max-seconds'], { positive: true });
  const shard = parseShard(a.shard as string | undefined);
  const overrides = scenarioOverrides(a, scenario);
  const quiet = a.json === true;
  if (!quiet) process.stdout.write(`${commandLine({ seed, runs })}\n`);
  // Every shard of a CI matrix must search the same list: without --seed each would draw its own.
  if (shard !== undefined && a.seed === undefined) throw new UsageError(`--shard ${shard.index}/${shard.count} needs --seed: every shard of one search must use the same seed (and --runs), or they search different lists.`);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' runs [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(runs, 0);
  try {
    const result = await checkScenario(scenario, {
      runs, seed, overrides, workers, maxSeconds, scenarioArg, shard,
      onProgress: bar ? (done) => bar.update(done) : undefined,
    }, workers > 1 ? workerEvaluator(workers, { scenarioArg, overrides, seed, runs, shard }) : undefined);
    bar?.stop();
    process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderCheckSummary(result, process.stdout.isTTY === true) + '\n');
    return result.ok ? EXIT.ok : EXIT.invariantFailed;
  } finally {
    bar?.stop();
  }
}

/** `--shard i/N`: this machine's part of a search split across N (1 <= i <= N). */
function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`--shard must be i/N with 1 <= i <= N (say 2/4: the second of four machines), got "${text}".`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}
