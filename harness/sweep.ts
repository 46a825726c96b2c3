// A capacity sweep: the same scenario and seed at each offered rate (and each value of a
// swept parameter), each held for the same virtual duration. Points are independent
// runs; only their summaries and bounded timelines are kept, so memory stays flat.
import { runScenario } from './run.js';
import type { BaseParams, Scenario } from './scenario.js';
import { pluralNoun, pluralOf } from '../checks/entity.js';
import { checkThresholds, measurableOf, type Threshold } from '../reports/slo.js';
import {
  COMPLETED_SHARE_MIN, CAPACITY_SCHEMA_VERSION, SHED_SHARE_MAX, backlogBounded, knees, steadyRates,
  type CapacityResult, type SweepPoint, type SweptParam,
} from '../reports/capacity.js';

export interface SweepOptions {
  readonly seed: number;
  readonly rates: readonly number[];
  /** A scenario parameter to sweep too, and its values. */
  readonly sweep?: { readonly param: string; readonly values: readonly unknown[] };
  readonly durationSec: number;
  readonly thresholds: readonly Threshold[];
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly onPoint?: (done: number, total: number) => void;
}

/** One point: the scenario at this rate (and swept value), judged. */
export function sweepPoint(scenario: Scenario<any>, ratePerSec: number, param: SweptParam, opts: SweepOptions): SweepPoint {
  const overrides: Record<string, unknown> = { ...opts.overrides, ratePerSec, count: Math.max(1, Math.round(ratePerSec * opts.durationSec)) };
  if (param !== null) overrides[param.name] = param.value;
  const r = runScenario(scenario, { seed: opts.seed, overrides, traceViolations: false });
  const loadMs = r.sim.loadEndedAtMs;
  let lastCompletionMs = loadMs;
  for (let i = 1; i < r.timeline.length; i++) if (r.timeline[i].completed > r.timeline[i - 1].completed) lastCompletionMs = r.timeline[i].tMs;
  const drainMs = Math.max(0, lastCompletionMs - loadMs);
  const thresholds = checkThresholds(opts.thresholds, measurableOf(r));
  const invariantsOk = r.invariants.every((i) => i.ok);
  const { throughputPerSec, keepUp, backlogGrowth } = steadyRates(r.timeline, loadMs);
  const bounded = backlogBounded(keepUp, backlogGrowth, drainMs, loadMs);
  const offered = r.load?.offered ?? 0;
  const share = (n: number) => (offered > 0 ? Math.round((n / offered) * 1e4) / 1e4 : 0);
  const completedShare = share(r.metrics.completed);
  const shedShare = share(r.metrics.shed);
  return {
    ratePerSec, param, design: scenario.name, headline: r.metrics.headline, invariantsOk, thresholds,
    failedInvariants: r.invariants.filter((i) => !i.ok).map((i) => i.name),
    throughputPerSec, keepUp, backlogGrowth,
    latencyMs: r.metrics.latencyMs,
    backlogMax: Math.max(0, ...r.timeline.map((p) => p.backlog)),
    drainMs, backlogBounded: bounded, completedShare, shedShare,
    derived: r.metrics.derived,
    // Holding means: correct, within the thresholds, caught up soon after the load,
    // and it actually served what was offered (not shed it, nor timed callers out).
    holds: invariantsOk && r.sim.drained && bounded && completedShare >= COMPLETED_SHARE_MIN && shedShare <= SHED_SHARE_MAX && thresholds.every((t) => t.ok),
    timeline: r.timeline,
  };
}

export function sweep(scenarios: readonly Scenario<any>[], opts: SweepOptions): CapacityResult {
  const points: SweepPoint[] = [];
  const params: SweptParam[] = opts.sweep === undefined ? [null] : opts.sweep.values.map((value) => ({ name: opts.sweep!.param, value }));
  const total = scenarios.length * opts.rates.length * params.length;
  for (const scenario of scenarios) {
    for (const param of params) {
      for (const ratePerSec of opts.rates) {
        points.push(sweepPoint(scenario, ratePerSec, param, opts));
        opts.onPoint?.(points.length, total);
      }
    }
  }
  const first = scenarios[0] as Scenario<BaseParams>;
  const entity = first.entities?.[0];
  const unitName = first.metrics?.unit ?? entity?.name ?? 'request';
  const k = knees(points);
  return {
    schemaVersion: CAPACITY_SCHEMA_VERSION, kind: 'capacity', scenario: scenarios.map((s) => s.name).join(' vs '),
    unit: { singular: unitName, plural: first.metrics?.unit === undefined && entity !== undefined ? pluralOf(entity) : pluralNoun(unitName) },
    headline: points[0]?.headline ?? null, latencies: [...(first.metrics?.latencies ?? [])],
    seed: opts.seed, durationSec: opts.durationSec, thresholds: opts.thresholds.map((t) => t.text),
    sweep: opts.sweep ?? null, points, knees: k,
    ok: k.every((x) => x.ratePerSec !== null),
  };
}

