// The result of one run: one plain JSON object (versioned) from which every renderer
// (terminal table, JSON, Markdown, HTML) draws. Rendering never recomputes. Everything
// in it is generic: the scenario's own words come in as its unit, its outcomes and its
// declared metrics.
import type { InvariantResult } from '../checks/types.js';
import type { LatencySummary } from './latency.js';

export const RUN_RESULT_SCHEMA_VERSION = 2;

/** Whose milliseconds a result counts: the simulator's virtual clock, or the wall clock of a live run. */
export const clockOf = (r: RunResult): 'virtual' | 'wall' => ('live' in r ? 'wall' : 'virtual');

export interface Unit {
  readonly singular: string;
  readonly plural: string;
}

export interface LoadSummary {
  readonly planned: number;
  readonly offered: number;
  /** Still unanswered when the run ended. */
  readonly outstanding: number;
  /** Answers by outcome. */
  readonly answers: Readonly<Record<string, number>>;
  readonly gaveUp: number;
}

export interface RunMetrics {
  readonly latencyMs: Record<string, LatencySummary>;
  /** Per histogram in latencyMs: 'ms' (latencies) or 'count' (sizes such as batchSize). */
  readonly histogramUnits: Record<string, 'ms' | 'count'>;
  /** The latency a caller sees (the default SLO's), and others the scenario declared worth showing. */
  readonly headline: string | null;
  readonly latencies: readonly string[];
  /** Units completed (an entity ended, or a request answered) and of those shed, and completions per second. */
  readonly completed: number;
  readonly shed: number;
  readonly throughputPerSec: number;
  readonly counters: Record<string, number>;
  /** Levels behaviours set (ctx.gauge): the last value and the peak of each (absent: none set). */
  readonly gauges?: Record<string, { readonly last: number; readonly max: number; readonly path?: readonly (readonly [number, number])[] }>;
  /** The scenario's derived figures (ratios), by name. */
  readonly derived: Record<string, number>;
}

export interface RunResult {
  readonly schemaVersion: number;
  readonly kind: 'run';
  readonly scenario: string;
  readonly seed: number;
  readonly params: Record<string, unknown>;
  /** Every invariant held and the pipeline drained before its deadline. */
  readonly ok: boolean;
  readonly historyHash: string;
  readonly unit: Unit;
  readonly invariants: InvariantResult[];
  /** Each planned fault and how often it fired (0: it tested nothing). */
  readonly faults: (Record<string, unknown> & { fired: number })[];
  readonly load: LoadSummary | null;
  /** Entity states after the drain (`<plural>.<STATE>`) and the scenario's own counts. */
  readonly outcomes: Record<string, number>;
  readonly metrics: RunMetrics;
  /** Every histogram, HDR-encoded (compressed base64): byte-identical for the same seed. */
  readonly histograms: Record<string, string>;
  /** About once a second (thinned on long runs): requests offered, units completed and shed (cumulative), and the backlog (records consumer groups have not committed, plus work actors hold). */
  readonly timeline: TimelinePoint[];
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

export type TimelinePoint = Readonly<{ tMs: number; offered: number; completed: number; shed: number; backlog: number; gauges?: Readonly<Record<string, number>> }>;

/** A whole-run condition that failed (the drain, the load), reported like an invariant so the verdict and renderers see it. */
export function runConditionFailed(name: string, description: string, message: string): InvariantResult {
  return { name, description, ok: false, violations: 1, examples: [{ invariant: name, key: '-', message }] };
}

export const NOT_DRAINED = 'the pipeline settles (everything answered, committed and ended) before the liveness deadline after the load';
export const LOAD_UNFINISHED = 'the load generator offers all its load by the load deadline (twice its planned length plus a minute)';

/** Completions per second over `spanMs`, to one decimal. */
export const perSecond = (n: number, spanMs: number) => (spanMs > 0 ? Math.round((n / spanMs) * 1000 * 10) / 10 : 0);
