// `faultline capacity <scenario> --rates FROM..TO`: a deterministic rate sweep, the knee
// per design and batch size, terminal/Markdown/JSON. Exit 3 when a design's knee is
// below --min-rate (by default: when not even the lowest swept rate held).
import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { sweep } from '../runtime/sim/sweep.js';
import { parseThresholds, ThresholdError } from '../reports/slo.js';
import { renderCapacityMarkdown, renderCapacityTerminal } from '../reports/capacity-render.js';
import { renderCapacityHtml } from '../reports/html.js';
import { measureClaims } from '../reports/claims.js';
import { refunds2pcScenario } from '../scenarios/refunds-2pc.js';
import type { Scenario } from '../scenarios/types.js';
import { ScenarioError } from '../scenarios/types.js';
import { parseNumberFlag } from './flags.js';
import { loadScenario } from './load-scenario.js';
import { EXIT, UsageError } from './usage-error.js';
import { defaultSeed, scenarioOverrides, type ScenarioFlags } from './scenario-flags.js';

export interface CapacityArgs extends ScenarioFlags {
  scenario: string;
  rates?: string;
  steps?: unknown;
  slo?: string;
  batchSizes?: string;
  duration?: unknown;
  minRate?: unknown;
  compare?: string;
  seed?: unknown;
  json?: boolean;
  md?: string;
  html?: string;
  claims?: boolean;
}

export function parseRates(text: string | undefined, steps: number): number[] {
  const m = text === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m === null) throw new UsageError(`--rates must look like 1000..20000 (offered refunds per virtual second, from..to), got "${text ?? ''}".`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!(from > 0) || to < from) throw new UsageError(`--rates ${text}: need 0 < from <= to.`);
  if (steps === 1 || from === to) return [from];
  // Whole numbers where the range allows, two decimals where it does not; no point twice.
  const round = to - from >= steps - 1 ? (x: number) => Math.round(x) : (x: number) => Math.round(x * 100) / 100;
  return [...new Set(Array.from({ length: steps }, (_, i) => round(from + ((to - from) * i) / (steps - 1))))];
}

function parseBatchSizes(text: string | undefined): (number | null)[] {
  if (text === undefined) return [null];
  const sizes = text.split(',').map((s) => s.trim());
  return sizes.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--batch-sizes must be whole numbers >= 1 separated by commas, got "${text}".`);
    return n;
  });
}

export async function capacityCommand(args: CapacityArgs): Promise<number> {
  const scenario = await loadScenario(args.scenario);
  const others = args.compare !== undefined ? [await loadScenario(args.compare)] : [];
  const steps = parseNumberFlag('steps', args.steps, { integer: true, min: 1 }) ?? 8;
  const rates = parseRates(args.rates, steps);
  const durationSec = parseNumberFlag('duration', args.duration, { positive: true }) ?? 30;
  const seed = parseNumberFlag('seed', args.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const minRate = parseNumberFlag('min-rate', args.minRate, { positive: true }) ?? rates[0];
  let thresholds;
  try {
    thresholds = parseThresholds(args.slo ?? 'rmsResponse.p99<10000');
  } catch (err) {
    if (err instanceof ThresholdError) throw new UsageError(`--slo: ${err.message}.`);
    throw err;
  }
  const overrides = scenarioOverrides(args);
  delete overrides.ratePerSec;
  delete overrides.refunds;
  const quiet = args.json === true;
  if (!quiet) process.stdout.write(`faultline capacity ${args.scenario} --seed ${seed} --rates ${rates[0]}..${rates[rates.length - 1]} --steps ${rates.length}\n`);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' points [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(rates.length * (1 + others.length) * parseBatchSizes(args.batchSizes).length, 0);
  let result;
  try {
    result = sweep([scenario, ...others], { seed, rates, batchSizes: parseBatchSizes(args.batchSizes), durationSec, thresholds, overrides, onPoint: bar ? (d) => bar.update(d) : undefined });
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario: ${err.message}.`);
    throw err;
  } finally {
    bar?.stop();
  }
  if (args.claims === true) {
    if (scenario.name !== 'refunds') throw new UsageError(`--claims measures the reference refund pipeline's published results; run it on "refunds", not "${scenario.name}".`);
    if (!quiet) process.stdout.write('measuring the claims (a peak day, a spike, lock traffic, chaos, 2PC): about 20 s\n');
    result.claims = measureClaims(scenario, refunds2pcScenario as Scenario<unknown>, seed);
  }
  result.ok = result.knees.every((k) => k.ratePerSec !== null && k.ratePerSec >= minRate) && (result.claims ?? []).every((c) => c.verdict !== 'FAIL');
  if (args.md !== undefined) writeFileSync(args.md, renderCapacityMarkdown(result));
  if (args.html !== undefined) writeFileSync(args.html, await renderCapacityHtml(result));
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderCapacityTerminal(result, process.stdout.isTTY === true) + '\n');
  const short = result.knees.filter((k) => k.ratePerSec === null || k.ratePerSec < minRate);
  const failedClaims = (result.claims ?? []).filter((c) => c.verdict === 'FAIL');
  if (short.length > 0 && !quiet) process.stdout.write(`THRESHOLD FAILED: knee below ${minRate} refunds/s for ${short.map((k) => k.design + (k.batchSizeMax === null ? '' : ` batch ${k.batchSizeMax}`)).join(', ')}\n`);
  if (failedClaims.length > 0 && !quiet) process.stdout.write(`CLAIMS FAILED: ${failedClaims.map((c) => c.claim).join('; ')}\n`);
  return short.length > 0 || failedClaims.length > 0 ? EXIT.threshold : EXIT.ok;
}
