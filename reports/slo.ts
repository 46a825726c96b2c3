// Thresholds are data: "rmsResponse.p99<10000,endToEnd.p999<=60000" — a histogram,
// a statistic, a comparison and a number (ms for latencies). Parsed once, checked
// against any run result; a failed threshold sets exit code 3.
import type { LatencySummary } from './latency.js';

export interface Threshold {
  readonly metric: string;
  readonly stat: keyof LatencySummary;
  readonly op: '<' | '<=' | '>' | '>=';
  readonly value: number;
  readonly text: string;
}

export interface ThresholdCheck {
  readonly threshold: string;
  readonly measured: number | null;
  readonly ok: boolean;
}

const STATS: readonly (keyof LatencySummary)[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean', 'count'];

export class ThresholdError extends Error {}

export function parseThresholds(text: string): Threshold[] {
  return text.split(',').map((part) => part.trim()).filter((p) => p !== '').map((part) => {
    const m = /^([A-Za-z][\w]*)\.(\w+)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)$/.exec(part);
    if (m === null) throw new ThresholdError(`threshold "${part}" must look like rmsResponse.p99<10000 (histogram.statistic, < <= > >=, a number)`);
    const stat = m[2] as keyof LatencySummary;
    if (!STATS.includes(stat)) throw new ThresholdError(`threshold "${part}": statistic "${m[2]}" is not one of ${STATS.join(', ')}`);
    return { metric: m[1], stat, op: m[3] as Threshold['op'], value: Number(m[4]), text: part };
  });
}

export function checkThresholds(thresholds: readonly Threshold[], latencyMs: Readonly<Record<string, LatencySummary>>): ThresholdCheck[] {
  return thresholds.map((t) => {
    const s = latencyMs[t.metric];
    if (s === undefined || s.count === 0) return { threshold: t.text, measured: null, ok: false };
    const v = s[t.stat];
    const ok = t.op === '<' ? v < t.value : t.op === '<=' ? v <= t.value : t.op === '>' ? v > t.value : v >= t.value;
    return { threshold: t.text, measured: v, ok };
  });
}
