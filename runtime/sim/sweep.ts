// A capacity sweep: the same scenario and seed at each offered rate (and batch size),
// each held for the same virtual duration. Points are independent runs; only their
// summaries and bounded timelines are kept, so memory stays flat across points.
import { runScenario } from './runner.js';
import type { Scenario } from '../../scenarios/types.js';
import { checkThresholds, type Threshold } from '../../reports/slo.js';
import { backlogBounded, knees, steadyRates, DEAD_LETTER_SHARE_MAX, CAPACITY_SCHEMA_VERSION, type CapacityResult, type SweepPoint } from '../../reports/capacity.js';

export interface SweepOptions {
  readonly seed: number;
  readonly rates: readonly number[];
  readonly batchSizes: readonly (number | null)[];
  readonly durationSec: number;
  readonly thresholds: readonly Threshold[];
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly onPoint?: (done: number, total: number) => void;
}

export function sweep(scenarios: readonly Scenario<unknown>[], opts: SweepOptions): CapacityResult {
  const points: SweepPoint[] = [];
  const total = scenarios.length * opts.rates.length * opts.batchSizes.length;
  for (const scenario of scenarios) {
    for (const batchSizeMax of opts.batchSizes) {
      for (const ratePerSec of opts.rates) {
        const overrides: Record<string, unknown> = { ...opts.overrides, ratePerSec, refunds: Math.max(1, Math.round(ratePerSec * opts.durationSec)) };
        if (batchSizeMax !== null) overrides.batchSizeMax = batchSizeMax;
        const r = runScenario(scenario, { seed: opts.seed, overrides, traceViolations: false });
        const loadMs = r.sim.loadEndedAtMs;
        let lastCompletionMs = loadMs;
        for (let i = 1; i < r.timeline.length; i++) if (r.timeline[i].completed > r.timeline[i - 1].completed) lastCompletionMs = r.timeline[i].tMs;
        const drainMs = Math.max(0, lastCompletionMs - loadMs);
        const thresholds = checkThresholds(opts.thresholds, r.metrics.latencyMs);
        const invariantsOk = r.invariants.every((i) => i.ok);
        const { throughputPerSec, keepUp, lagGrowth } = steadyRates(r.timeline, loadMs);
        const bounded = backlogBounded(keepUp, lagGrowth, drainMs, loadMs);
        const lock = (r.metrics as { lockAcquisitionsPerRefund?: number }).lockAcquisitionsPerRefund;
        const last = r.timeline[r.timeline.length - 1];
        const completedShare = last !== undefined && last.offered > 0 ? Math.round((last.completed / last.offered) * 1e4) / 1e4 : 0;
        const deadLetteredShare = last !== undefined && last.offered > 0 ? Math.round(((last.deadLettered ?? 0) / last.offered) * 1e4) / 1e4 : 0;
        points.push({
          ratePerSec, batchSizeMax, design: scenario.name, invariantsOk, thresholds,
          throughputPerSec, keepUp, lagGrowth,
          latencyMs: r.metrics.latencyMs,
          lagMax: Math.max(0, ...r.timeline.map((p) => p.lag ?? 0)),
          drainMs, backlogBounded: bounded, completedShare, deadLetteredShare,
          lockAcquisitionsPerRefund: typeof lock === 'number' ? lock : null,
          // Holding means: correct, within the thresholds, caught up soon after the load,
          // and it actually served what was offered (not shed it by timing callers out).
          holds: invariantsOk && r.sim.drained && bounded && completedShare >= 0.99 && deadLetteredShare <= DEAD_LETTER_SHARE_MAX && thresholds.every((t) => t.ok),
          timeline: r.timeline,
        });
        opts.onPoint?.(points.length, total);
      }
    }
  }
  const k = knees(points);
  return {
    schemaVersion: CAPACITY_SCHEMA_VERSION, kind: 'capacity', scenario: scenarios.map((s) => s.name).join(' vs '),
    seed: opts.seed, durationSec: opts.durationSec, thresholds: opts.thresholds.map((t) => t.text), points, knees: k,
    ok: k.every((x) => x.ratePerSec !== null),
  };
}
