import { describe, expect, it } from 'vitest';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { runScenario } from '../runtime/sim/runner.js';
import { sweep } from '../runtime/sim/sweep.js';
import { refundsScenario } from '../scenarios/refunds.js';
import { checkThresholds, parseThresholds } from '../reports/slo.js';
import { parseRates } from '../cli/capacity-command.js';
import { nextArrivalMs, rateAt, type ArrivalProfile } from '../actors/arrivals.js';
import { Prng } from '../runtime/sim/prng.js';
import { renderCapacityMarkdown } from '../reports/capacity-render.js';

const scenario = refundsScenario as Parameters<typeof sweep>[0][number];

describe('thresholds are data', () => {
  it('parse and check against a run\'s latency summaries', () => {
    const t = parseThresholds('rmsResponse.p99<10000, endToEnd.max<=5');
    const checks = checkThresholds(t, {
      rmsResponse: { count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1 },
      endToEnd: { count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 6, mean: 1 },
    });
    expect(checks.map((c) => c.ok)).toEqual([true, false]);
    expect(checks[1].measured).toBe(6);
  });

  it('a histogram with no values fails its threshold rather than passing silently', () => {
    expect(checkThresholds(parseThresholds('rmsResponse.p99<10'), {})[0].ok).toBe(false);
  });

  it('reject what they cannot read', () => {
    expect(() => parseThresholds('rmsResponse.p42<1')).toThrow(/statistic "p42"/);
    expect(() => parseThresholds('p99 under ten seconds')).toThrow(/must look like/);
  });

  it('rates FROM..TO spread evenly', () => {
    expect(parseRates('1000..5000', 5)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(() => parseRates('5000..1000', 3)).toThrow(/from <= to/);
  });
});

describe('arrival profiles (open loop)', () => {
  const arrivals = (p: ArrivalProfile, rate: number, untilMs: number) => {
    const rng = new Prng(5, 'arrivals');
    const ts: number[] = [];
    for (let t = nextArrivalMs(p, rate, 0, () => rng.random()); t < untilMs; t = nextArrivalMs(p, rate, t, () => rng.random())) ts.push(t);
    return ts;
  };
  const inWindow = (ts: number[], from: number, to: number) => ts.filter((t) => t >= from && t < to).length;

  it('a 3x spike triples arrivals inside its window and nowhere else', () => {
    const ts = arrivals({ kind: 'spike', factor: 3, atMs: 10_000, durationMs: 10_000 }, 1_000, 30_000);
    expect(inWindow(ts, 10_000, 20_000) / inWindow(ts, 0, 10_000)).toBeGreaterThan(2.8);
    expect(inWindow(ts, 10_000, 20_000) / inWindow(ts, 20_000, 30_000)).toBeLessThan(3.2);
  });

  it('constant spacing, a ramp that climbs, a day with a night trough and an evening peak', () => {
    const c = arrivals({ kind: 'constant' }, 100, 1_000);
    expect(c.length).toBe(99);
    const ramp = arrivals({ kind: 'ramp', toPerSec: 3_000, overMs: 10_000 }, 1_000, 10_000);
    expect(inWindow(ramp, 8_000, 10_000)).toBeGreaterThan(2 * inWindow(ramp, 0, 2_000));
    const day = { kind: 'peak-season' as const, dayMs: 86_400_000 };
    expect(rateAt(day, 10, 20 * 3_600_000)).toBeGreaterThan(4 * rateAt(day, 10, 3 * 3_600_000)); // 8 pm vs 3 am
  });
});

describe('capacity sweep', () => {
  it('finds the knee: a rate the pipeline serves holds, one far beyond RMS\'s capacity does not', () => {
    const r = sweep([scenario], { seed: 1, rates: [4_000, 30_000], batchSizes: [null], durationSec: 8, thresholds: parseThresholds('rmsResponse.p99<10000') });
    expect(r.points.map((p) => p.holds)).toEqual([true, false]);
    expect(r.knees).toEqual([{ design: 'refunds', batchSizeMax: null, ratePerSec: 4_000 }]);
    expect(r.points[1].keepUp).toBeLessThan(0.95);
    expect(renderCapacityMarkdown(r)).toMatch(/knee refunds: 4,000 refunds\/s/);
  });

  it('shows what batching buys: lock acquisitions per refund fall as 1 / batch size', () => {
    const r = sweep([scenario], { seed: 1, rates: [3_000], batchSizes: [50, 500], durationSec: 8, thresholds: [] });
    const [small, large] = r.points;
    expect(small.lockAcquisitionsPerRefund! * 50).toBeGreaterThan(0.9);
    expect(small.lockAcquisitionsPerRefund! * 50).toBeLessThan(1.3);
    expect(large.lockAcquisitionsPerRefund! * 500).toBeGreaterThan(0.9);
    expect(large.lockAcquisitionsPerRefund! * 500).toBeLessThan(1.3);
    expect(large.latencyMs.endToEnd.p50).toBeGreaterThan(small.latencyMs.endToEnd.p50); // batching costs latency
  });
});

describe('determinism of measurements', () => {
  it('the same seed gives byte-identical encoded histograms; another seed does not', () => {
    const run = (seed: number) => runScenario(scenario, { seed, overrides: { refunds: 3_000 }, traceViolations: false }).histograms;
    const a = run(9);
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['rmsResponse', 'endToEnd', 'batchSize']));
    expect(run(9)).toEqual(a);
    expect(run(10).rmsResponse).not.toBe(a.rmsResponse);
    expect(decodeFromCompressedBase64(a.rmsResponse).totalCount).toBe(3_000);
  });
});

describe('claims of the reference design', () => {
  it('are measured, with values, and each says PASS or FAIL', async () => {
    const { measureClaims } = await import('../reports/claims.js');
    const { refunds2pcScenario } = await import('../scenarios/refunds-2pc.js');
    const claims = measureClaims(scenario, refunds2pcScenario as never, 1, 0.05);
    expect(claims.map((c) => c.claim)).toHaveLength(6);
    for (const c of claims) expect(c.measured.length).toBeGreaterThan(10);
    expect(claims.filter((c) => c.verdict === 'PASS').length).toBeGreaterThanOrEqual(5);
  });

  it('say FAIL when the design does not bear them out (2PC measured as if it were the design)', async () => {
    const { measureClaims } = await import('../reports/claims.js');
    const { refunds2pcScenario } = await import('../scenarios/refunds-2pc.js');
    const claims = measureClaims(refunds2pcScenario as never, refunds2pcScenario as never, 1, 0.05);
    expect(claims.find((c) => c.claim.startsWith('lock acquisitions'))!.verdict).toBe('FAIL');
    expect(claims.find((c) => c.claim.startsWith('the event-driven design'))!.verdict).toBe('FAIL');
  });
});
