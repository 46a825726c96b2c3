// `faultline run <scenario|path>`: one run, a summary (or --json), exit code by verdict.
import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { runScenario } from '../harness/run.js';
import { loadScenario } from '../harness/load-scenario.js';
import { presetsOf } from '../harness/presets.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { checkThresholds, measurableNames, measurableOf, parseThresholds, unknownSubjects, type Threshold } from '../reports/slo.js';
import { renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { loadFaultPlan } from '../faults/load-plan.js';
import type { FaultPlan } from '../faults/plan.js';
import { parseNumberFlag } from './flags.js';
import { EXIT, UsageError } from './usage-error.js';
import { commandLine, defaultSeed, scenarioOverrides } from './scenario-args.js';

export async function runCommand(a: Record<string, unknown>): Promise<number> {
  const scenario = await loadScenario(String(a.scenario));
  const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const overrides = scenarioOverrides(a, scenario);
  const params = scenario.parse(overrides);
  if (a.trace !== undefined && String(a.trace).trim() === '') throw new UsageError('--trace needs a file path.');
  const thresholds: Threshold[] = a.slo !== undefined ? parseThresholds(String(a.slo)) : [];
  const faults: FaultPlan = a.faults !== undefined ? loadFaultPlan(String(a.faults), presetsOf(scenario, params)) : [];

  const quiet = a.json === true;
  if (!quiet) process.stdout.write(`${commandLine({ seed })}\n`);
  const bar = !quiet && process.stdout.isTTY ? new SingleBar({ format: ' {phase} [{bar}] {percentage}%', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(100, 0, { phase: 'load ' });
  let result;
  try {
    result = runScenario(scenario, {
      seed, overrides, traceFile: a.trace as string | undefined, faults,
      onProgress: bar ? (f, phase) => bar.update(Math.round(f * 100), { phase: phase === 'load' ? 'load ' : 'drain' }) : undefined,
    });
  } finally {
    bar?.stop();
  }
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderRunSummary(result, process.stdout.isTTY === true) + '\n');
  if (a.html !== undefined) writeFileSync(String(a.html), await renderRunHtml(result));
  if (a.md !== undefined) writeFileSync(String(a.md), renderRunMarkdown(result));
  const measurable = measurableOf(result);
  const unknown = unknownSubjects(thresholds, measurable, [result.metrics.headline ?? '', ...result.metrics.latencies]);
  if (unknown.length > 0) {
    throw new UsageError(`--slo ${unknown.map((t) => `"${t.text}"`).join(', ')} name${unknown.length === 1 ? 's' : ''} nothing this run measures; it measures ${measurableNames(measurable).join(', ')} (a counter that may stay at 0 is reported when the scenario declares it in metrics.counters).`);
  }
  if (!result.ok) return EXIT.invariantFailed;
  const failed = checkThresholds(thresholds, measurable).filter((c) => !c.ok);
  if (failed.length > 0) {
    if (!quiet) for (const c of failed) process.stdout.write(`THRESHOLD FAILED: ${c.threshold} (measured ${c.measured ?? 'nothing: no value was recorded'})\n`);
    return EXIT.threshold;
  }
  return EXIT.ok;
}
