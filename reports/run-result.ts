// The result of one run: one plain JSON object (versioned) from which every renderer
// (terminal table, JSON, later Markdown/HTML) draws. Rendering never recomputes.
import type { InvariantResult } from '../checks/types.js';
import type { LatencySummary } from './latency.js';

export const RUN_RESULT_SCHEMA_VERSION = 1;

/** Whose milliseconds a result counts: the simulator's virtual clock, or the wall clock of a live run. */
export const clockOf = (r: RunResult): 'virtual' | 'wall' => ('live' in r ? 'wall' : 'virtual');

export interface RunResult {
  readonly schemaVersion: number;
  readonly kind: 'run';
  readonly scenario: string;
  readonly seed: number;
  readonly params: Record<string, unknown>;
  /** Every invariant held and the pipeline drained before its deadline. */
  readonly ok: boolean;
  readonly historyHash: string;
  readonly invariants: InvariantResult[];
  /** Each planned fault and how often it fired (0: it tested nothing). */
  readonly faults: (Record<string, unknown> & { fired: number })[];
  readonly metrics: {
    readonly latencyMs: Record<string, LatencySummary>;
    /** Per histogram in latencyMs: 'ms' (latencies) or 'count' (sizes such as batchSize). */
    readonly histogramUnits: Record<string, 'ms' | 'count'>;
    readonly throughputPerSec: number;
    readonly counters: Record<string, number>;
    readonly [scenarioMetric: string]: unknown;
  };
  /** Every histogram, HDR-encoded (compressed base64): byte-identical for the same seed. */
  readonly histograms: Record<string, string>;
  /** Per virtual second (thinned on long runs): the scenario's samples, e.g. offered, completed, lag. */
  readonly timeline: (Readonly<Record<string, number>> & { readonly tMs: number })[];
  readonly sim: {
    readonly events: number;
    readonly virtualMs: number;
    readonly loadEndedAtMs: number;
    readonly drained: boolean;
    readonly messagesLost: number;
    readonly crashes: number;
    readonly actorErrors: { tMs: number; actor: string; message: string }[];
  };
  readonly wall: {
    readonly ms: number;
    readonly eventsPerSec: number;
  };
}

/** A whole-run condition that failed (the drain, the load), reported like an invariant so the verdict and renderers see it. */
export function runConditionFailed(name: string, description: string, message: string): InvariantResult {
  return { name, description, ok: false, violations: 1, examples: [{ invariant: name, key: '-', message }] };
}

export const NOT_DRAINED = 'the pipeline goes quiet before the liveness deadline after the load';

/**
 * A run result's metrics: the scenario's summary, the latency summaries, throughput as
 * completed refunds over `spanMs` (the span the runtime counts as busy), and counters.
 */
export function runMetrics(summary: Record<string, unknown>, m: { units: ReadonlyMap<string, 'ms' | 'count'>; counters: ReadonlyMap<string, number> },
  latencyMs: Record<string, LatencySummary>, spanMs: number): RunResult['metrics'] {
  const completed = typeof summary.completedRefunds === 'number' ? summary.completedRefunds : 0;
  return {
    ...summary,
    latencyMs,
    histogramUnits: Object.fromEntries(m.units),
    throughputPerSec: spanMs > 0 ? Math.round((completed / spanMs) * 1000 * 10) / 10 : 0,
    counters: Object.fromEntries([...m.counters].sort()),
  };
}

