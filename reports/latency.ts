// Latency summaries from HDR histograms recorded in microseconds, reported in ms.
import type { Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

const ms = (us: number) => Math.round(us) / 1000;

export function summarize(h: Histogram | undefined): LatencySummary {
  if (h === undefined || h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** Plain-value histograms (batch sizes): the same percentiles, unscaled. */
export function summarizeRaw(h: Histogram | undefined): LatencySummary {
  const s = summarize(h);
  const x = (v: number) => Math.round(v * 1000);
  return { count: s.count, p50: x(s.p50), p90: x(s.p90), p99: x(s.p99), p999: x(s.p999), max: x(s.max), mean: Math.round(s.mean * 1000) };
}
