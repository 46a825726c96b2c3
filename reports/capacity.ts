// Capacity analysis over sweep points: which points hold (invariants, thresholds, and
// a bounded backlog), where the knee is. Pure functions of the points; running the sweep
// is harness/sweep.ts. Everything is in the scenario's own unit.
import type { LatencySummary } from './latency.js';
import type { ThresholdCheck } from './slo.js';
import type { TimelinePoint, Unit } from './run-result.js';
import type { Claim } from './claims.js';

export const CAPACITY_SCHEMA_VERSION = 2;

/** A swept scenario parameter and its value at a point (null: the parameter was not swept). */
export type SweptParam = { readonly name: string; readonly value: unknown } | null;

export interface SweepPoint {
  readonly ratePerSec: number;
  readonly param: SweptParam;
  readonly design: string;
  /** The design's headline latency (its load generator's response time unless it declares one). */
  readonly headline: string | null;
  readonly invariantsOk: boolean;
  /** The invariants that failed, by name (the run conditions "drained" and "load-finished" among them). */
  readonly failedInvariants?: readonly string[];
  readonly thresholds: ThresholdCheck[];
  /** Units completed per second over the steady part of the load. */
  readonly throughputPerSec: number;
  /** Completion rate over arrival rate in the steady window: ~1 when the pipeline keeps up. */
  readonly keepUp: number;
  /** Backlog growth over arrivals in the steady window: ~0 when the backlog is steady. */
  readonly backlogGrowth: number;
  readonly latencyMs: Record<string, LatencySummary>;
  readonly backlogMax: number;
  /** How long after the load stopped the last unit completed. */
  readonly drainMs: number;
  readonly backlogBounded: boolean;
  /** Of the requests offered, the share that completed by the end of the run. */
  readonly completedShare: number;
  /** Of the requests offered, the share shed (dead-lettered, refused): not served. */
  readonly shedShare: number;
  readonly derived: Record<string, number>;
  readonly holds: boolean;
  readonly timeline: TimelinePoint[];
}

export interface CapacityResult {
  readonly schemaVersion: number;
  readonly kind: 'capacity';
  readonly scenario: string;
  readonly unit: Unit;
  /** The latency a caller sees, and others worth a column (declared by the scenario). */
  readonly headline: string | null;
  readonly latencies: readonly string[];
  readonly seed: number;
  readonly durationSec: number;
  readonly thresholds: string[];
  /** The scenario parameter swept besides the rate, if any. */
  readonly sweep: { readonly param: string; readonly values: readonly unknown[] } | null;
  readonly points: SweepPoint[];
  /** Per design and swept value: the highest rate that held (null: none did); `allHeld`: every swept rate held, so the knee is at least that. */
  readonly knees: { design: string; param: SweptParam; ratePerSec: number | null; allHeld: boolean }[];
  /** Every knee reaches --min-rate and no claim failed (the command's exit code agrees). */
  ok: boolean;
  /** The scenario's claims, measured (capacity --claims). */
  claims?: Claim[];
}

/**
 * Backlog is bounded when completions keep up with arrivals during the steady part of
 * the load (see steadyRates) and the pipeline catches up soon after the load stops.
 */
export function backlogBounded(keepUp: number, backlogGrowth: number, drainMs: number, loadMs: number): boolean {
  return keepUp >= 0.9 && backlogGrowth <= 0.1 && drainMs <= Math.max(10_000, 0.25 * loadMs);
}

/** Least-squares slope of y over t (per ms). */
function slope(points: readonly TimelinePoint[], key: 'completed' | 'offered' | 'backlog'): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.tMs, 0) / n;
  const my = points.reduce((a, p) => a + p[key], 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.tMs - mt) * (p[key] - my);
    den += (p.tMs - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/**
 * Over the last two thirds of the load window: the completion rate, how it compares with
 * the arrival rate (keepUp, ~1 when the pipeline keeps up), and how much the backlog grew
 * relative to what arrived (backlogGrowth, ~0 when it is steady). Rates are least-squares
 * slopes: completions come in bursts (a batch at a time), so two end points mislead.
 */
export function steadyRates(timeline: readonly TimelinePoint[], loadEndMs: number): { throughputPerSec: number; keepUp: number; backlogGrowth: number } {
  const inLoad = timeline.filter((p) => p.tMs <= loadEndMs);
  const steady = inLoad.slice(Math.floor(inLoad.length / 3));
  if (steady.length < 3) return { throughputPerSec: 0, keepUp: 0, backlogGrowth: 1 };
  const completed = slope(steady, 'completed');
  const offered = slope(steady, 'offered');
  const backlog = slope(steady, 'backlog');
  return {
    throughputPerSec: Math.round(completed * 1000 * 10) / 10,
    keepUp: offered > 0 ? Math.round((completed / offered) * 1000) / 1000 : 1,
    backlogGrowth: offered > 0 ? Math.round(Math.max(0, backlog / offered) * 1000) / 1000 : 0,
  };
}

/** Shed above this share of what was offered means load was shed, not served. */
export const SHED_SHARE_MAX = 0.01;
/** At least this share of what was offered must complete. */
export const COMPLETED_SHARE_MIN = 0.99;

const sameParam = (a: SweptParam, b: SweptParam) => JSON.stringify(a) === JSON.stringify(b);

/** The knee: the highest swept rate up to which every swept rate held (a lucky point above a failed one does not count). */
export function knees(points: readonly SweepPoint[]): CapacityResult['knees'] {
  const groups: SweepPoint[][] = [];
  for (const p of points) {
    const g = groups.find((x) => x[0].design === p.design && sameParam(x[0].param, p.param));
    if (g === undefined) groups.push([p]);
    else g.push(p);
  }
  return groups.map((ps) => {
    let knee: number | null = null;
    for (const p of [...ps].sort((a, b) => a.ratePerSec - b.ratePerSec)) {
      if (!p.holds) break;
      knee = p.ratePerSec;
    }
    return { design: ps[0].design, param: ps[0].param, ratePerSec: knee, allHeld: ps.every((p) => p.holds) };
  });
}

/** "orders (batchSizeMax 100)": a design and its swept value, for tables and legends. */
export const seriesName = (p: { design: string; param: SweptParam }) => (p.param === null ? p.design : `${p.design} (${p.param.name} ${typeof p.param.value === 'string' ? p.param.value : JSON.stringify(p.param.value)})`);
