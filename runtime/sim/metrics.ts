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

/**
 * Values below this (µs, or plain counts) are first counted in a flat array and added to
 * the histogram in bulk when it is read. Recording one value into an HDR histogram costs
 * ~90 ns (a log2 and two pows to find its bucket), which was a few per cent of a
 * simulated request; a flat count costs a couple. The histogram read is the same.
 */
const FLAT = 16_384;

class Recorder {
  flat: Uint32Array | null = null;
  /** Smallest and largest value counted flat since the last flush (hi < lo: none). */
  lo = FLAT;
  hi = -1;

  constructor(readonly histogram: Histogram) {}

  put(v: number): void {
    if (v >= FLAT) {
      this.histogram.recordValue(v);
      return;
    }
    (this.flat ??= new Uint32Array(FLAT))[v]++;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  flush(): void {
    const f = this.flat;
    if (f === null || this.hi < this.lo) return;
    for (let v = this.lo; v <= this.hi; v++) {
      const c = f[v];
      if (c === 0) continue;
      this.histogram.recordValueWithCount(v, c);
      f[v] = 0;
    }
    this.lo = FLAT;
    this.hi = -1;
  }
}

/** Changes a gauge's path keeps before it gives up on it (the timeline's samples remain). */
export const GAUGE_PATH_MAX = 1_000;

export class Metrics {
  private readonly recorders = new Map<string, Recorder>();
  private readonly byName = new Map<string, Histogram>();
  readonly units = new Map<string, HistogramUnit>();
  readonly counters = new Map<string, number>();
  /**
   * Levels set by behaviours (ctx.gauge): the latest value and the peak of each, and while a
   * gauge changes seldom (a breaker's state), every change as [tMs, value, tMs, value, …]:
   * a path the timeline's samples would miss (a half-open that lasts one probe). A gauge
   * that changes more than GAUGE_PATH_MAX times (a queue's length) keeps no path.
   */
  readonly gauges = new Map<string, { last: number; max: number; path?: number[] | null }>();

  /** Every histogram, up to date. */
  get histograms(): ReadonlyMap<string, Histogram> {
    for (const r of this.recorders.values()) r.flush();
    return this.byName;
  }

  // Behaviours record a few metrics over and over (often alternating two): the last two
  // recorders are remembered, so most records skip the Map lookup by name.
  private lastName = '';
  private lastRecorder: Recorder | undefined;
  private prevName = '';
  private prevRecorder: Recorder | undefined;

  private recorder(name: string, unit: HistogramUnit): Recorder {
    if (name === this.lastName && this.lastRecorder !== undefined) return this.lastRecorder;
    if (name === this.prevName && this.prevRecorder !== undefined) {
      const r = this.prevRecorder;
      this.prevName = this.lastName;
      this.prevRecorder = this.lastRecorder;
      this.lastName = name;
      this.lastRecorder = r;
      return r;
    }
    const r = this.recorderByName(name, unit);
    this.prevName = this.lastName;
    this.prevRecorder = this.lastRecorder;
    this.lastName = name;
    this.lastRecorder = r;
    return r;
  }

  private recorderByName(name: string, unit: HistogramUnit): Recorder {
    let r = this.recorders.get(name);
    if (r === undefined) {
      const h = newHistogram();
      r = new Recorder(h);
      this.recorders.set(name, r);
      this.byName.set(name, h);
      this.units.set(name, unit);
    }
    return r;
  }

  /** Histogram `name` (made on first use), up to date. */
  histogram(name: string, unit: HistogramUnit = 'ms'): Histogram {
    const r = this.recorder(name, unit);
    r.flush();
    return r.histogram;
  }

  /** Records a millisecond value (stored as whole microseconds). */
  record(name: string, ms: number): void {
    this.recorder(name, 'ms').put(Math.max(0, Math.round(ms * 1000)));
  }

  /** Records a plain count-like value (a batch size, a lag) as is. */
  recordRaw(name: string, value: number): void {
    this.recorder(name, 'count').put(Math.max(0, Math.round(value)));
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** `tMs`, where the runtime knows the time, records the change in the gauge's path. */
  gauge(name: string, value: number, tMs?: number): void {
    const g = this.gauges.get(name);
    if (g === undefined) {
      this.gauges.set(name, tMs === undefined ? { last: value, max: value } : { last: value, max: value, path: [tMs, value] });
      return;
    }
    if (tMs !== undefined && value !== g.last && g.path !== null) {
      if (g.path === undefined) g.path = [];
      if (g.path.length >= 2 * GAUGE_PATH_MAX) g.path = null;
      else g.path.push(tMs, value);
    }
    g.last = value;
    if (value > g.max) g.max = value;
  }

  /** The latest value of every gauge, for a timeline point (undefined when there are none). */
  gaugeValues(): Record<string, number> | undefined {
    if (this.gauges.size === 0) return undefined;
    const out: Record<string, number> = {};
    for (const [k, g] of this.gauges) out[k] = g.last;
    return out;
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }
}
