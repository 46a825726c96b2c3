// `faultline run <scenario|path>`: one run, a summary (or --json), exit code by verdict.
import { SingleBar, Presets } from 'cli-progress';
import { runScenario } from '../runtime/sim/runner.js';
import { ScenarioError } from '../scenarios/types.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { parseNumberFlag } from './flags.js';
import { loadScenario } from './load-scenario.js';
import { EXIT, UsageError } from './usage-error.js';
import { writeFileSync } from 'node:fs';
import { checkThresholds, parseThresholds, ThresholdError, type Threshold } from '../reports/slo.js';
import { renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { defaultSeed, scenarioOverrides, type ScenarioFlags } from './scenario-flags.js';
import { loadFaultPlan } from '../faults/load-plan.js';
import { FaultPlanError } from '../faults/inject.js';
import type { FaultPlan } from '../faults/plan.js';

export interface RunArgs extends ScenarioFlags {
  scenario: string;
  seed?: unknown;
  json?: boolean;
  trace?: string;
  faults?: string;
  slo?: string;
  html?: string;
  md?: string;
}

export async function runCommand(args: RunArgs): Promise<number> {
  const scenario = await loadScenario(args.scenario);
  const seed = parseNumberFlag('seed', args.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const overrides = scenarioOverrides(args);
  if (args.trace !== undefined && args.trace.trim() === '') throw new UsageError('--trace needs a file path.');
  let thresholds: Threshold[] = [];
  try {
    if (args.slo !== undefined) thresholds = parseThresholds(args.slo);
  } catch (err) {
    if (err instanceof ThresholdError) throw new UsageError(`--slo: ${err.message}.`);
    throw err;
  }
  let faults: FaultPlan = [];
  try {
    if (args.faults !== undefined) faults = loadFaultPlan(args.faults, { none: [], ...scenario.faultPresets });
  } catch (err) {
    if (err instanceof FaultPlanError) throw new UsageError(err.message);
    throw err;
  }

  const quiet = args.json === true;
  if (!quiet) process.stdout.write(`faultline run ${scenario.name} --seed ${seed}\n`);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' {phase} [{bar}] {percentage}%', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(100, 0, { phase: 'load ' });
  let result;
  try {
    result = runScenario(scenario, {
      seed, overrides, traceFile: args.trace, faults,
      onProgress: bar ? (f, phase) => bar.update(Math.round(f * 100), { phase: phase === 'load' ? 'load ' : 'drain' }) : undefined,
    });
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario "${scenario.name}": ${err.message}.`);
    throw err;
  } finally {
    bar?.stop();
  }
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderRunSummary(result, process.stdout.isTTY === true) + '\n');
  if (args.html !== undefined) writeFileSync(args.html, await renderRunHtml(result));
  if (args.md !== undefined) writeFileSync(args.md, renderRunMarkdown(result));
  if (!result.ok) return EXIT.invariantFailed;
  const failedThresholds = checkThresholds(thresholds, result.metrics.latencyMs).filter((c) => !c.ok);
  if (failedThresholds.length > 0) {
    if (!quiet) for (const c of failedThresholds) process.stdout.write(`THRESHOLD FAILED: ${c.threshold} (measured ${c.measured ?? 'nothing'})\n`);
    return EXIT.threshold;
  }
  return EXIT.ok;
}
