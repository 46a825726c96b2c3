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
  /** Completions over offers in the same steady window: ~1 when the pipeline keeps up. */
  readonly keepUp: number;
  readonly latencyMs: Record<string, LatencySummary>;
  readonly lagMax: number;
  /** How long after the load stopped the last refund completed. */
  readonly drainMs: number;
  readonly backlogBounded: boolean;
  /** Of the requests offered, the share that reached a terminal state by the end of the run. */
  readonly completedShare: number;
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
  readonly ok: boolean;
}

/**
 * Backlog is bounded when, during the steady part of the load, completions keep up with
 * what is offered (a backlog growing with time shows here first: RMS saturated by intake
 * let statuses pile up while the pipeline looked fine at the end), and the pipeline
 * catches up soon after the load stops.
 */
export function backlogBounded(keepUp: number, drainMs: number, loadMs: number): boolean {
  return keepUp >= 0.95 && drainMs <= Math.max(10_000, 0.25 * loadMs);
}

/**
 * Over the last two thirds of the load window: completions per second, and completions
 * over offers in that window. Comparing with offers in the same window cancels the
 * pipeline's latency (completions trail offers by it), which a rate alone does not.
 */
export function steadyRates(timeline: readonly (Record<string, number> & { tMs: number })[], loadEndMs: number): { throughputPerSec: number; keepUp: number } {
  const inLoad = timeline.filter((p) => p.tMs <= loadEndMs);
  if (inLoad.length < 2) return { throughputPerSec: 0, keepUp: 0 };
  const from = inLoad[Math.floor(inLoad.length / 3)];
  const to = inLoad[inLoad.length - 1];
  const completed = to.completed - from.completed;
  const offered = to.offered - from.offered;
  return {
    throughputPerSec: to.tMs > from.tMs ? Math.round((completed / (to.tMs - from.tMs)) * 1000 * 10) / 10 : 0,
    keepUp: offered > 0 ? Math.round((completed / offered) * 1000) / 1000 : 1,
  };
}

export function knees(points: readonly SweepPoint[]): CapacityResult['knees'] {
  const groups = new Map<string, SweepPoint[]>();
  for (const p of points) {
    const k = `${p.design}\u0000${p.batchSizeMax}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.values()].map((ps) => {
    const held = ps.filter((p) => p.holds).map((p) => p.ratePerSec);
    return { design: ps[0].design, batchSizeMax: ps[0].batchSizeMax, ratePerSec: held.length > 0 ? Math.max(...held) : null };
  });
}
