// Metrics of one run: HDR histograms (hdr-histogram-js) and counters. Latencies are
// recorded in integer microseconds of virtual time (so sub-millisecond stages keep
// their resolution) and reported in milliseconds.
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/** 'ms': recorded as microseconds, reported in ms; 'count': plain values (sizes, lags). */
export type HistogramUnit = 'ms' | 'count';

export class Metrics {
  readonly histograms = new Map<string, Histogram>();
  readonly units = new Map<string, HistogramUnit>();
  readonly counters = new Map<string, number>();

  histogram(name: string, unit: HistogramUnit = 'ms'): Histogram {
    let h = this.histograms.get(name);
    if (h === undefined) {
      h = newHistogram();
      this.histograms.set(name, h);
      this.units.set(name, unit);
    }
    return h;
  }

  /** Records a millisecond value (stored as whole microseconds). */
  record(name: string, ms: number): void {
    this.histogram(name).recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  /** Records a plain count-like value (a batch size, a lag) as is. */
  recordRaw(name: string, value: number): void {
    this.histogram(name, 'count').recordValue(Math.max(0, Math.round(value)));
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }
}
