// A run result from what a runtime observed: the same assembly for a simulated run and a
// live one, so every renderer, threshold and capacity analysis reads one schema.
import type { LoadView } from '../runtime/contract.js';
import type { Metrics } from '../runtime/sim/metrics.js';
import type { EntityWatch } from '../checks/entity.js';
import { pluralNoun, pluralOf } from '../checks/entity.js';
import type { InvariantResult, Observation } from '../checks/types.js';
import { summarizeAll } from '../reports/latency.js';
import { RUN_RESULT_SCHEMA_VERSION, perSecond, type RunResult, type TimelinePoint } from '../reports/run-result.js';
import type { BaseParams, Scenario } from './scenario.js';

/** A gauge as the result keeps it: last and peak, and its path of changes when it kept one. */
function gaugeResult(g: { last: number; max: number; path?: number[] | null }): { last: number; max: number; path?: [number, number][] } {
  if (g.path === undefined || g.path === null || g.path.length === 0) return { last: g.last, max: g.max };
  const path: [number, number][] = [];
  for (let i = 0; i < g.path.length; i += 2) path.push([Math.round(g.path[i] * 1000) / 1000, g.path[i + 1]]);
  return { last: g.last, max: g.max, path };
}

/** The gauge a declared table's row count is sampled into (metrics.tableSizes). */
export const tableSizeGauge = (t: { readonly store: string; readonly table: string }) => `rows:${t.store}.${t.table}`;

export interface ObservedRun {
  readonly seed: number;
  readonly obs: Observation;
  readonly entities: readonly EntityWatch[];
  readonly invariants: InvariantResult[];
  readonly ok: boolean;
  readonly metrics: Metrics;
  readonly load: LoadView | undefined;
  readonly faults: (Record<string, unknown> & { fired: number })[];
  readonly timeline: TimelinePoint[];
  readonly historyHash: string;
  /** Units completed, and shed; the span (ms) throughput is counted over. */
  readonly completed: number;
  readonly shed: number;
  readonly spanMs: number;
  readonly sim: RunResult['sim'];
  readonly wall: RunResult['wall'];
  /** Percentile summaries (property runs skip them). */
  readonly summaries?: boolean;
}

/** Units completed: a declared counter, else the first entity's that ended, else requests answered. */
export function completionOf(scenario: Scenario<any>, entities: readonly EntityWatch[], metrics: Metrics, load: LoadView | undefined): { completed: number; shed: number } {
  // A declared counter wins: an entity may be a by-product of the work (creates among reads), not its unit.
  const counter = scenario.metrics?.completed;
  if (counter !== undefined) return { completed: metrics.counter(counter), shed: 0 };
  const primary = entities[0];
  if (primary !== undefined) return { completed: primary.completed, shed: primary.shed };
  let answered = 0;
  for (const v of Object.values(load?.answers ?? {})) answered += v;
  return { completed: answered, shed: 0 };
}

export function runResultOf<P extends BaseParams>(scenario: Scenario<P>, params: P, r: ObservedRun): RunResult {
  const outcomes: Record<string, number> = {};
  for (const e of r.entities) for (const [s, n] of Object.entries(e.countByStatus(r.obs))) outcomes[`${pluralOf(e.decl)}.${s}`] = n;
  Object.assign(outcomes, scenario.outcomes?.(r.obs, params) ?? {});
  const declared = (scenario.metrics?.counters ?? []).map((c) => [c, 0] as const);
  const counters = Object.fromEntries([...declared, ...r.metrics.counters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const derived = scenario.metrics?.derived?.({ counter: (n) => r.metrics.counter(n), outcome: (n) => outcomes[n] ?? 0 }) ?? {};
  const { latencyMs, histograms } = r.summaries !== false ? summarizeAll(r.metrics) : { latencyMs: {}, histograms: {} };
  const load = r.load;
  const primary = scenario.entities?.[0];
  const unitName = scenario.metrics?.unit ?? primary?.name ?? 'request';
  return {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    kind: 'run',
    scenario: scenario.name,
    seed: r.seed,
    params: params as unknown as Record<string, unknown>,
    ok: r.ok,
    historyHash: r.historyHash,
    unit: { singular: unitName, plural: scenario.metrics?.unit === undefined && primary !== undefined ? pluralOf(primary) : pluralNoun(unitName) },
    invariants: r.invariants,
    faults: r.faults,
    load: load === undefined ? null : { planned: load.planned, offered: load.offered, outstanding: load.outstanding, answers: { ...load.answers }, gaveUp: load.gaveUp },
    outcomes,
    metrics: {
      latencyMs,
      histogramUnits: Object.fromEntries(r.metrics.units),
      headline: scenario.metrics?.headline ?? load?.metric ?? null,
      latencies: [...(scenario.metrics?.latencies ?? [])],
      completed: r.completed,
      shed: r.shed,
      throughputPerSec: perSecond(r.completed, r.spanMs),
      counters,
      ...(r.metrics.gauges.size > 0 ? { gauges: Object.fromEntries([...r.metrics.gauges].map(([k, g]) => [k, gaugeResult(g)])) } : {}),
      derived,
    },
    histograms,
    timeline: r.timeline,
    sim: r.sim,
    wall: r.wall,
  };
}
