// `faultline capacity <scenario> --rates FROM..TO`: a deterministic rate sweep, the knee
// per design and swept parameter, terminal/Markdown/HTML/JSON. Exit 3 when a design's
// knee is below --min-rate (by default: when not even the lowest swept rate held).
import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { sweep } from '../harness/sweep.js';
import { measureClaims } from '../harness/claims.js';
import { loadScenario } from '../harness/load-scenario.js';
import { parseValue } from '../harness/params.js';
import { parseThresholds } from '../reports/slo.js';
import { renderCapacityMarkdown, renderCapacityTerminal } from '../reports/capacity-render.js';
import { renderCapacityHtml } from '../reports/html.js';
import { seriesName } from '../reports/capacity.js';
import { parseNumberFlag } from './flags.js';
import { EXIT, UsageError } from './usage-error.js';
import { commandLine, defaultSeed, scenarioOverrides } from './scenario-args.js';

export function parseRates(text: string | undefined, steps: number): number[] {
  const m = text === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m === null) throw new UsageError(`--rates must look like 1000..20000 (offered requests per virtual second, from..to), got "${text ?? ''}".`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!(from > 0) || to < from) throw new UsageError(`--rates ${text}: need 0 < from <= to.`);
  if (steps === 1 || from === to) return [from];
  // Whole numbers where the range allows, two decimals where it does not; no point twice.
  const round = to - from >= steps - 1 ? (x: number) => Math.round(x) : (x: number) => Math.round(x * 100) / 100;
  return [...new Set(Array.from({ length: steps }, (_, i) => round(from + ((to - from) * i) / (steps - 1))))];
}

/** --sweep batchSizeMax=100,500,1000: a parameter and its values (each read as JSON when it parses). */
export function parseSweep(text: string | undefined): { param: string; values: unknown[] } | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*([A-Za-z]\w*)\s*=\s*(.+)$/.exec(text);
  if (m === null) throw new UsageError(`--sweep must look like batchSizeMax=100,500,1000 (a scenario parameter and its values), got "${text}".`);
  const values = m[2].split(',').map((v) => v.trim()).filter((v) => v !== '').map(parseValue);
  if (values.length === 0) throw new UsageError(`--sweep ${text}: give at least one value.`);
  if (m[1] === 'ratePerSec' || m[1] === 'count') throw new UsageError(`--sweep ${m[1]}: the rate is what --rates sweeps, and each point's count follows from it and --duration.`);
  return { param: m[1], values };
}

export async function capacityCommand(a: Record<string, unknown>): Promise<number> {
  const scenario = await loadScenario(String(a.scenario));
  const others = a.compare !== undefined ? [await loadScenario(String(a.compare))] : [];
  const steps = parseNumberFlag('steps', a.steps, { integer: true, min: 1 }) ?? 8;
  const rates = parseRates(a.rates as string | undefined, steps);
  const durationSec = parseNumberFlag('duration', a.duration, { positive: true }) ?? 30;
  const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const minRate = parseNumberFlag('min-rate', a['min-rate'], { positive: true }) ?? rates[0];
  const sloText = (a.slo as string | undefined) ?? scenario.metrics?.slo;
  const thresholds = sloText === undefined ? [] : parseThresholds(sloText);
  const swept = parseSweep(a.sweep as string | undefined);
  if (a.count !== undefined || a.rate !== undefined) throw new UsageError('capacity sets each point\'s rate from --rates and its count from --duration (seconds per point): drop --count and --rate.');
  const overrides = scenarioOverrides({ ...a, duration: undefined, count: undefined, rate: undefined }, scenario);
  // Parameters are checked once, up front, for every design and swept value: a bad one is a usage error, not a failed point.
  for (const design of [scenario, ...others]) for (const v of swept?.values ?? [undefined]) design.parse({ ...overrides, ...(swept ? { [swept.param]: v } : {}) });
  if (a.claims === true && (scenario.claims ?? []).length === 0) throw new UsageError(`scenario "${scenario.name}" declares no claims to measure.`);
  const quiet = a.json === true;
  if (!quiet) process.stdout.write(`${commandLine({ seed, steps: rates.length })}\n`);
  const total = rates.length * (1 + others.length) * (swept?.values.length ?? 1);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' points [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(total, 0);
  let result;
  try {
    result = sweep([scenario, ...others], { seed, rates, sweep: swept, durationSec, thresholds, overrides, onPoint: bar ? (d) => bar.update(d) : undefined });
  } finally {
    bar?.stop();
  }
  if (a.claims === true) {
    if (!quiet) process.stdout.write(`measuring ${scenario.claims!.length} claims of ${scenario.name}\n`);
    result.claims = measureClaims(scenario, seed);
  }
  result.ok = result.knees.every((k) => k.ratePerSec !== null && k.ratePerSec >= minRate) && (result.claims ?? []).every((c) => c.verdict !== 'FAIL');
  if (a.md !== undefined) writeFileSync(String(a.md), renderCapacityMarkdown(result));
  if (a.html !== undefined) writeFileSync(String(a.html), await renderCapacityHtml(result));
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderCapacityTerminal(result, process.stdout.isTTY === true) + '\n');
  const short = result.knees.filter((k) => k.ratePerSec === null || k.ratePerSec < minRate);
  const failedClaims = (result.claims ?? []).filter((c) => c.verdict === 'FAIL');
  if (short.length > 0 && !quiet) process.stdout.write(`THRESHOLD FAILED: knee below ${minRate} requests/s offered for ${short.map(seriesName).join(', ')}\n`);
  if (failedClaims.length > 0 && !quiet) process.stdout.write(`CLAIMS FAILED: ${failedClaims.map((c) => c.claim).join('; ')}\n`);
  return short.length > 0 || failedClaims.length > 0 ? EXIT.threshold : EXIT.ok;
}
