// Thresholds are data: "rmsResponse.p99<10000,stuck==0" — a latency statistic
// (histogram.statistic, in ms) or any named figure of a run (an outcome, a derived
// figure, a counter, load.offered, throughputPerSec), a comparison and a number.
// Parsed once, checked against any run; a failed threshold sets exit code 3.
import type { LatencySummary } from './latency.js';
import type { RunResult } from './run-result.js';
import { InputError } from '../runtime/input-error.js';

export interface Threshold {
  /** What it measures: "histogram.statistic" or the name of a figure. */
  readonly subject: string;
  readonly op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  readonly value: number;
  readonly text: string;
}

export interface ThresholdCheck {
  readonly threshold: string;
  readonly measured: number | null;
  readonly ok: boolean;
}

const STATS: readonly (keyof LatencySummary)[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean', 'count'];

export class ThresholdError extends InputError {}

export function parseThresholds(text: string): Threshold[] {
  return text.split(',').map((part) => part.trim()).filter((p) => p !== '').map((part) => {
    const m = /^([A-Za-z$][\w.:$-]*?)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/i.exec(part);
    if (m === null) throw new ThresholdError(`threshold "${part}" must look like response.p99<10000 (histogram.statistic in ms) or stuck==0 (a figure of the run), with < <= > >= == or != and a number`);
    return { subject: m[1], op: m[2] as Threshold['op'], value: Number(m[3]), text: part };
  });
}

/** What thresholds can measure in a run: latency statistics, and every named figure. */
export interface Measurable {
  readonly latencyMs: Readonly<Record<string, LatencySummary>>;
  readonly figures: Readonly<Record<string, number>>;
}

export function measurableOf(r: RunResult): Measurable {
  const figures: Record<string, number> = {
    ...r.metrics.counters,
    ...r.outcomes,
    ...r.metrics.derived,
    throughputPerSec: r.metrics.throughputPerSec,
    completed: r.metrics.completed,
    shed: r.metrics.shed,
  };
  // A gauge by its name is its peak (a state that must stay bounded), `.last` its final value.
  for (const [k, g] of Object.entries(r.metrics.gauges ?? {})) {
    figures[k] = g.max;
    figures[`${k}.last`] = g.last;
  }
  if (r.load !== null) {
    figures['load.offered'] = r.load.offered;
    figures['load.gaveUp'] = r.load.gaveUp;
    figures['load.outstanding'] = r.load.outstanding;
    for (const [k, v] of Object.entries(r.load.answers)) figures[`load.answers.${k}`] = v;
    // Shares of what was offered, as a capacity point judges them: a run that gave two thirds
    // of its callers up, or shed them, did not serve its load, whatever its invariants say.
    if (r.load.offered > 0) {
      const share = (n: number) => Math.round((n / r.load!.offered) * 1e4) / 1e4;
      figures.completedShare = share(r.metrics.completed);
      figures.shedShare = share(r.metrics.shed);
      figures.gaveUpShare = share(r.load.gaveUp);
    }
  }
  return { latencyMs: r.metrics.latencyMs, figures };
}

/** The value a threshold's subject names in a run, or undefined if it names nothing there. */
export function measure(subject: string, m: Measurable): number | undefined {
  if (subject in m.figures) return m.figures[subject];
  const dot = subject.lastIndexOf('.');
  if (dot > 0) {
    const stat = subject.slice(dot + 1) as keyof LatencySummary;
    const s = m.latencyMs[subject.slice(0, dot)];
    // A histogram with nothing recorded has no latency to judge: it reads as missing, and fails.
    if (STATS.includes(stat) && s !== undefined) return s.count === 0 && stat !== 'count' ? undefined : s[stat];
  }
  return undefined;
}

/** Names a threshold could use in this run (for an error that says what exists). */
export function measurableNames(m: Measurable): string[] {
  return [...Object.keys(m.latencyMs).map((h) => `${h}.p99`), ...Object.keys(m.figures)];
}

export function checkThresholds(thresholds: readonly Threshold[], m: Measurable): ThresholdCheck[] {
  return thresholds.map((t) => {
    const v = measure(t.subject, m);
    if (v === undefined) return { threshold: t.text, measured: null, ok: false };
    const ok = t.op === '<' ? v < t.value : t.op === '<=' ? v <= t.value : t.op === '>' ? v > t.value : t.op === '>=' ? v >= t.value : t.op === '==' ? v === t.value : v !== t.value;
    return { threshold: t.text, measured: v, ok };
  });
}

/**
 * Subjects that name nothing a run of this scenario could measure: not a figure the run
 * has, and not a histogram it has or declares (a declared latency with nothing recorded
 * fails its threshold; a name that is nowhere is a typo, which is bad usage).
 */
export function unknownSubjects(thresholds: readonly Threshold[], m: Measurable, declaredLatencies: readonly string[]): Threshold[] {
  return thresholds.filter((t) => {
    if (t.subject in m.figures) return false;
    const dot = t.subject.lastIndexOf('.');
    const histogram = dot > 0 ? t.subject.slice(0, dot) : '';
    const stat = dot > 0 ? t.subject.slice(dot + 1) : '';
    return !(STATS.includes(stat as keyof LatencySummary) && (histogram in m.latencyMs || declaredLatencies.includes(histogram)));
  });
}

/** The service level a run is held to when nobody says otherwise: a capacity point's (see reports/capacity.ts), callers' give-ups counted like shedding. */
export function serviceLevelThresholds(completedShareMin: number, shedShareMax: number): Threshold[] {
  return parseThresholds(`completedShare>=${completedShareMin},shedShare<=${shedShareMax},gaveUpShare<=${shedShareMax}`);
}
