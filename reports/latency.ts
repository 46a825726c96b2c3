// Latency summaries from HDR histograms recorded in microseconds, reported in ms.
import { encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** Percentiles of a histogram; `unit` 'ms' converts recorded microseconds to ms, 'count' keeps values as they are. */
export function summarize(h: Histogram | undefined, unit: 'ms' | 'count' = 'ms'): LatencySummary {
  if (h === undefined || h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const v = unit === 'ms' ? (us: number) => Math.round(us) / 1000 : (x: number) => Math.round(x);
  // A percentile is its bucket's upper bound, which can lie above the largest value recorded.
  const max = h.maxValue;
  const at = (q: number) => v(Math.min(h.getValueAtPercentile(q), max));
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: v(max),
    mean: v(h.mean),
  };
}

/** Every histogram of a run: its percentile summary, and its HDR encoding (byte-identical for the same data). */
export function summarizeAll(m: { histograms: ReadonlyMap<string, Histogram>; units: ReadonlyMap<string, 'ms' | 'count'> }): {
  latencyMs: Record<string, LatencySummary>; histograms: Record<string, string>;
} {
  const latencyMs: Record<string, LatencySummary> = {};
  const histograms: Record<string, string> = {};
  for (const [name, h] of m.histograms) {
    latencyMs[name] = summarize(h, m.units.get(name));
    histograms[name] = encodeIntoCompressedBase64(h);
  }
  return { latencyMs, histograms };
}

