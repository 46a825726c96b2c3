// Metrics counts small values flat and adds them to the HDR histogram in bulk when it is
// read: what a reader sees must be exactly what recording each value directly gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Metrics, newHistogram } from '../runtime/sim/metrics.js';
import type { Histogram } from 'hdr-histogram-js';

const summary = (h: Histogram) => ({
  count: h.totalCount, min: h.minNonZeroValue, max: h.maxValue, mean: h.mean,
  p: [0, 50, 90, 99, 99.9, 100].map((q) => h.getValueAtPercentile(q)),
});

describe('metrics', () => {
  it('give the same histograms as recording every value directly, read at any point (fast-check)', () => {
    const value = fc.oneof(
      fc.double({ min: 0, max: 16, noNaN: true }), // below the flat limit, in ms
      fc.double({ min: 16, max: 5_000, noNaN: true }), // above it
      fc.constantFrom(0, -3, 16.383, 16.384, 16.3844),
    );
    fc.assert(fc.property(fc.array(fc.tuple(value, fc.boolean()), { maxLength: 400 }), (ops) => {
      const m = new Metrics();
      const direct = newHistogram();
      const raw = newHistogram();
      for (const [ms, read] of ops) {
        m.record('latency', ms);
        direct.recordValue(Math.max(0, Math.round(ms * 1000)));
        m.recordRaw('size', ms * 10);
        raw.recordValue(Math.max(0, Math.round(ms * 10)));
        if (read) expect(summary(m.histograms.get('latency')!)).toEqual(summary(direct));
      }
      if (ops.length === 0) return;
      expect(summary(m.histograms.get('latency')!)).toEqual(summary(direct));
      expect(summary(m.histogram('size', 'count'))).toEqual(summary(raw));
      expect(m.units.get('latency')).toBe('ms');
      expect(m.units.get('size')).toBe('count');
    }), { numRuns: 100 });
  });

  it('keep each metric apart when records of several alternate (the recorder remembered by name)', () => {
    const m = new Metrics();
    const names = ['a', 'b', 'a', 'c', 'b', 'b', 'a', 'c', 'c', 'a'];
    names.forEach((name, i) => m.record(name, i + 1));
    const expect_ = (name: string) => names.map((n, i) => (n === name ? i + 1 : 0)).filter((v) => v > 0);
    for (const name of ['a', 'b', 'c']) {
      const h = m.histogram(name);
      expect(h.totalCount).toBe(expect_(name).length);
      expect(h.maxValue).toBe(Math.max(...expect_(name)) * 1000);
      expect(h.minNonZeroValue).toBe(Math.min(...expect_(name)) * 1000);
    }
  });

  it('keep each gauge\'s last value and its peak, and none until one is set', () => {
    const m = new Metrics();
    expect(m.gaugeValues()).toBeUndefined();
    for (const v of [3, 9, 4]) m.gauge('queue', v);
    m.gauge('state', 0);
    expect(m.gauges.get('queue')).toEqual({ last: 4, max: 9 });
    expect(m.gaugeValues()).toEqual({ queue: 4, state: 0 });
  });
});
