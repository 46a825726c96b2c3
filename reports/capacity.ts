// Capacity analysis over sweep points: which points hold (invariants, thresholds, and
// a bounded backlog), where the knee is, and what batching buys. Pure functions of the
// points; running the sweep is runtime/sim/sweep.ts.
import type { LatencySummary } from './latency.js';
import type { ThresholdCheck } from './slo.js';

export const CAPACITY_SCHEMA_VERSION = 1;

export interface SweepPoint {
  readonly ratePerSec: number;
  readonly batchSizeMax: number | null;
  readonly design: string;
  readonly invariantsOk: boolean;
  readonly thresholds: ThresholdCheck[];
  /** Refunds completed per virtual second over the steady part of the load. */
  readonly throughputPerSec: number;
  /** Completion rate over arrival rate in the steady window: ~1 when the pipeline keeps up. */
  readonly keepUp: number;
  /** Backlog growth over arrivals in the steady window: ~0 when the backlog is steady. */
  readonly lagGrowth: number;
  readonly latencyMs: Record<string, LatencySummary>;
  readonly lagMax: number;
  /** How long after the load stopped the last refund completed. */
  readonly drainMs: number;
  readonly backlogBounded: boolean;
  /** Of the requests offered, the share that reached a terminal state by the end of the run. */
  readonly completedShare: number;
  /** Of the requests offered, the share that ended dead-lettered (shed, not served). */
  readonly deadLetteredShare: number;
  readonly lockAcquisitionsPerRefund: number | null;
  readonly holds: boolean;
  readonly timeline: (Readonly<Record<string, number>> & { tMs: number })[];
}

export interface CapacityResult {
  readonly schemaVersion: number;
  readonly kind: 'capacity';
  readonly scenario: string;
  readonly seed: number;
  readonly durationSec: number;
  readonly thresholds: string[];
  readonly points: SweepPoint[];
  /** Per design and batch size: the highest rate that held (null: none did). */
  readonly knees: { design: string; batchSizeMax: number | null; ratePerSec: number | null }[];
  /** Every knee reaches --min-rate and no claim failed (the command's exit code agrees). */
  ok: boolean;
  /** The seed's published results, measured (capacity --claims). */
  claims?: import('./claims.js').Claim[];
}

/**
 * Backlog is bounded when completions keep up with arrivals during the steady part of
 * the load (see steadyRates) and the pipeline catches up soon after the load stops.
 */
export function backlogBounded(keepUp: number, lagGrowth: number, drainMs: number, loadMs: number): boolean {
  return keepUp >= 0.9 && lagGrowth <= 0.1 && drainMs <= Math.max(10_000, 0.25 * loadMs);
}

/** Least-squares slope of y over t (per ms). */
function slope(points: readonly (Record<string, number> & { tMs: number })[], key: string): number {
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
 * relative to what arrived (lagGrowth, ~0 when it is steady). Rates are least-squares
 * slopes: completions come in bursts (a batch at a time), so two end points mislead.
 */
export function steadyRates(timeline: readonly (Record<string, number> & { tMs: number })[], loadEndMs: number): { throughputPerSec: number; keepUp: number; lagGrowth: number } {
  const inLoad = timeline.filter((p) => p.tMs <= loadEndMs);
  const steady = inLoad.slice(Math.floor(inLoad.length / 3));
  if (steady.length < 3) return { throughputPerSec: 0, keepUp: 0, lagGrowth: 1 };
  const completed = slope(steady, 'completed');
  const offered = slope(steady, 'offered');
  const lag = slope(steady, 'lag');
  return {
    throughputPerSec: Math.round(completed * 1000 * 10) / 10,
    keepUp: offered > 0 ? Math.round((completed / offered) * 1000) / 1000 : 1,
    lagGrowth: offered > 0 ? Math.round(Math.max(0, lag / offered) * 1000) / 1000 : 0,
  };
}

/** Dead letters above this share of what was offered mean load was shed, not served. */
export const DEAD_LETTER_SHARE_MAX = 0.01;

/** The knee: the highest swept rate up to which every swept rate held (a lucky point above a failed one does not count). */
export function knees(points: readonly SweepPoint[]): CapacityResult['knees'] {
  const groups = new Map<string, SweepPoint[]>();
  for (const p of points) {
    const k = `${p.design}\u0000${p.batchSizeMax}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.values()].map((ps) => {
    let knee: number | null = null;
    for (const p of [...ps].sort((a, b) => a.ratePerSec - b.ratePerSec)) {
      if (!p.holds) break;
      knee = p.ratePerSec;
    }
    return { design: ps[0].design, batchSizeMax: ps[0].batchSizeMax, ratePerSec: knee };
  });
}
