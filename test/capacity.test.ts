import { describe, expect, it } from 'vitest';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { runScenario } from '../harness/run.js';
import { sweep } from '../harness/sweep.js';
import { measureClaims } from '../harness/claims.js';
import scenario from '../scenarios/refunds/index.js';
import refunds2pc from '../scenarios/refunds-2pc/index.js';
import { checkThresholds, parseThresholds, type Measurable } from '../reports/slo.js';
import { parseRates, parseSweep } from '../cli/capacity-command.js';
import { arrivalProfileSchema, expectedDurationMs, nextArrivalMs, rateAt, type ArrivalProfile } from '../actors/arrivals.js';
import { formatArrival, parseArrival } from '../harness/params.js';
import { Prng } from '../runtime/sim/prng.js';
import { renderCapacityMarkdown } from '../reports/capacity-render.js';

const measured = (figures: Record<string, number>): Measurable => ({
  latencyMs: {
    rmsResponse: { count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1 },
    endToEnd: { count: 10, p50: 1, p90: 2, p99: 3, p999: 4, max: 6, mean: 1 },
    empty: { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 },
  },
  figures,
});

describe('thresholds are data', () => {
  it('parse and check against a run\'s latency summaries', () => {
    const checks = checkThresholds(parseThresholds('rmsResponse.p99<10000, endToEnd.max<=5'), measured({}));
    expect(checks.map((c) => c.ok)).toEqual([true, false]);
    expect(checks[1].measured).toBe(6);
  });

  it('check named figures of a run too: outcomes, derived figures, counters', () => {
    const checks = checkThresholds(parseThresholds('stuck==0, refunds.PENDING!=0, lockAcquisitionsPerRefund<0.01, load.gaveUp>=1'), measured({ stuck: 0, 'refunds.PENDING': 0, lockAcquisitionsPerRefund: 0.002, 'load.gaveUp': 3 }));
    expect(checks.map((c) => c.ok)).toEqual([true, false, true, true]);
  });

  it('a histogram with no values, or a name the run does not have, fails rather than passing silently', () => {
    expect(checkThresholds(parseThresholds('empty.p99<10'), measured({}))[0].ok).toBe(false);
    expect(checkThresholds(parseThresholds('missing.p99<10, nothing==0'), measured({})).map((c) => c.measured)).toEqual([null, null]);
  });

  it('reject what they cannot read', () => {
    expect(() => parseThresholds('p99 under ten seconds')).toThrow(/must look like/);
    expect(() => parseThresholds('rmsResponse.p99 = 3')).toThrow(/must look like/);
  });

  it('--sweep names a parameter and its values', () => {
    expect(parseSweep('batchSizeMax=1, 100,500')).toEqual({ param: 'batchSizeMax', values: [1, 100, 500] });
    expect(parseSweep('arrival={"kind":"constant"}')!.values).toEqual([{ kind: 'constant' }]);
    expect(() => parseSweep('ratePerSec=1,2')).toThrow(/--rates/);
    expect(() => parseSweep('batch sizes')).toThrow(/must look like/);
  });

  it('rates FROM..TO spread evenly', () => {
    expect(parseRates('1000..5000', 5)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(() => parseRates('5000..1000', 3)).toThrow(/from <= to/);
  });
});

/** Arrival times of a profile up to `untilMs`, from one seeded stream. */
const arrivalTimes = (p: ArrivalProfile, rate: number, untilMs: number, seed = 5) => {
  const rng = new Prng(seed, 'arrivals');
  const ts: number[] = [];
  for (let t = nextArrivalMs(p, rate, 0, () => rng.random()); t < untilMs; t = nextArrivalMs(p, rate, t, () => rng.random())) ts.push(t);
  return ts;
};
const inWindow = (ts: number[], from: number, to: number) => ts.filter((t) => t >= from && t < to).length;

describe('arrival profiles (open loop)', () => {
  const arrivals = (p: ArrivalProfile, rate: number, untilMs: number) => arrivalTimes(p, rate, untilMs);

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

describe('a user\'s own arrival curve', () => {
  const arrivals = (p: ArrivalProfile, rate: number, untilMs: number) => arrivalTimes(p, rate, untilMs, 7);

  it('follows its steps (a quiet gap included) and repeats every everyMs', () => {
    const curve = arrivalProfileSchema.parse({ kind: 'curve', points: [[0, 1], [10_000, 3], [20_000, 0], [25_000, 0.5]], everyMs: 30_000 });
    expect([0, 9_999, 10_000, 19_999, 20_000, 24_999, 25_000, 29_999, 30_000, 40_000].map((t) => rateAt(curve, 100, t))).toEqual([100, 100, 300, 300, 0, 0, 50, 50, 100, 300]);
    const ts = arrivals(curve, 1_000, 60_000);
    const first = inWindow(ts, 0, 10_000);
    expect(first).toBeGreaterThan(9_000);
    expect(first).toBeLessThan(11_000);
    expect(inWindow(ts, 10_000, 20_000) / first).toBeGreaterThan(2.8);
    expect(inWindow(ts, 10_000, 20_000) / first).toBeLessThan(3.2);
    expect(inWindow(ts, 20_000, 25_000)).toBe(0);
    expect(inWindow(ts, 25_000, 30_000) / (first / 2)).toBeGreaterThan(0.4);
    expect(inWindow(ts, 25_000, 30_000) / (first / 2)).toBeLessThan(0.6);
    expect(inWindow(ts, 50_000, 55_000)).toBe(0); // the gap again, one period on
    expect(expectedDurationMs(curve, 1_000, 10_000)).toBe(10_000);
  });

  it('refuses curves that cannot end or do not read in time order', () => {
    const bad = [
      { kind: 'curve', points: [[0, 1], [10_000, 0]] }, // the load would stop for good
      { kind: 'curve', points: [[0, 0]], everyMs: 1_000 }, // never a request
      { kind: 'curve', points: [[5, 1]] }, // nothing said before 5 ms
      { kind: 'curve', points: [[0, 1], [2_000, 2], [1_000, 3]] },
      { kind: 'curve', points: [[0, 1], [2_000, 2]], everyMs: 2_000 },
      { kind: 'curve', points: [[0, -1], [10, 1]] },
    ];
    for (const c of bad) expect(arrivalProfileSchema.safeParse(c).success, JSON.stringify(c)).toBe(false);
  });

  it('reads from and writes back to the --arrival text', () => {
    const c = parseArrival('curve:0=1,60000=3,120000=0.5:180000');
    expect(c).toEqual({ kind: 'curve', points: [[0, 1], [60_000, 3], [120_000, 0.5]], everyMs: 180_000 });
    expect(parseArrival(formatArrival(c))).toEqual(c);
    expect(parseArrival('curve:0=2')).toEqual({ kind: 'curve', points: [[0, 2]] });
    for (const text of ['curve', 'curve:', 'curve:0=1,x=2', 'curve:0=1=2', 'curve:0=1,1000=0', 'curve:0=1:0', 'curve:0']) {
      expect(() => parseArrival(text), text).toThrow(/a curve is curve:AT_MS=FACTOR/);
    }
  });
});

describe('capacity sweep', () => {
  it('finds the knee: a rate the pipeline serves holds, one far beyond RMS\'s capacity does not', () => {
    const r = sweep([scenario], { seed: 1, rates: [4_000, 30_000], durationSec: 8, thresholds: parseThresholds('rmsResponse.p99<10000') });
    expect(r.points.map((p) => p.holds)).toEqual([true, false]);
    expect(r.knees).toEqual([{ design: 'refunds', param: null, ratePerSec: 4_000, allHeld: false }]);
    expect(r.points[1].keepUp).toBeLessThan(0.95);
    expect(r.unit.plural).toBe('refunds');
    expect(renderCapacityMarkdown(r)).toMatch(/knee refunds: 4,000 refunds\/s offered/);
    expect(renderCapacityMarkdown(r)).toMatch(/rmsResponse p99 ms .* endToEnd p99 ms .* lockAcquisitionsPerRefund/);
  });

  it('shows what batching buys: lock acquisitions per refund fall as 1 / batch size', () => {
    const r = sweep([scenario], { seed: 1, rates: [3_000], sweep: { param: 'batchSizeMax', values: [50, 500] }, durationSec: 8, thresholds: [] });
    const [small, large] = r.points;
    expect(small.param).toEqual({ name: 'batchSizeMax', value: 50 });
    expect(small.derived.lockAcquisitionsPerRefund * 50).toBeGreaterThan(0.9);
    expect(small.derived.lockAcquisitionsPerRefund * 50).toBeLessThan(1.3);
    expect(large.derived.lockAcquisitionsPerRefund * 500).toBeGreaterThan(0.9);
    expect(large.derived.lockAcquisitionsPerRefund * 500).toBeLessThan(1.3);
    expect(large.latencyMs.endToEnd.p50).toBeGreaterThan(small.latencyMs.endToEnd.p50); // batching costs latency
  });
});

describe('determinism of measurements', () => {
  it('the same seed gives byte-identical encoded histograms; another seed does not', () => {
    const run = (seed: number) => runScenario(scenario, { seed, overrides: { count: 3_000 }, traceViolations: false }).histograms;
    const a = run(9);
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['rmsResponse', 'endToEnd', 'batchSize']));
    expect(run(9)).toEqual(a);
    expect(run(10).rmsResponse).not.toBe(a.rmsResponse);
    expect(decodeFromCompressedBase64(a.rmsResponse).totalCount).toBe(3_000);
  });
});

describe('claims of the reference design', () => {
  it('are measured, with values, and each says PASS or FAIL', async () => {
    const claims = measureClaims(scenario, 1, 0.05);
    expect(claims.map((c) => c.claim)).toHaveLength(6);
    for (const c of claims) expect(c.measured.length).toBeGreaterThan(10);
    expect(claims.filter((c) => c.verdict === 'PASS').length).toBeGreaterThanOrEqual(5);
  });

  it('say FAIL when the design does not bear them out (2PC measured as if it were the design)', async () => {
    const claims = measureClaims({ ...refunds2pc, claims: scenario.claims }, 1, 0.05);
    expect(claims.find((c) => c.claim.startsWith('lock acquisitions'))!.verdict).toBe('FAIL');
    expect(claims.find((c) => c.claim.startsWith('the event-driven design'))!.verdict).toBe('FAIL');
  });
});

describe('capacity in each scenario\'s own units', () => {
  it('orders (sweeping the design: synchronous retries against a retry topic) and payments-dedup, in orders/s and transactions/s, to HTML', async () => {
    const { renderCapacityHtml } = await import('../reports/html.js');
    const orders = (await import('../scenarios/orders/index.js')).default;
    const dedup = (await import('../scenarios/payments-dedup/index.js')).default;
    const o = sweep([orders], { seed: 1, rates: [2, 14], sweep: { param: 'variant', values: ['fixed', 'retry-topic'] }, durationSec: 30, thresholds: [] });
    expect(o.unit.plural).toBe('orders');
    // At 14/s the synchronous retries fall behind and the retry topic keeps up.
    const at14 = (v: string) => o.points.find((p) => p.ratePerSec === 14 && JSON.stringify(p.param).includes(v))!;
    expect(at14('"fixed"').holds).toBe(false);
    expect(at14('retry-topic').holds).toBe(true);
    const oHtml = await renderCapacityHtml(o);
    expect(oHtml).toContain('orders/s offered');
    const d = sweep([dedup], { seed: 1, rates: [100, 400], durationSec: 10, thresholds: parseThresholds('endToEnd.p99<30000') });
    expect(d.unit.plural).toBe('transactions');
    expect(d.knees[0].ratePerSec).toBe(400);
    expect(await renderCapacityHtml(d)).toContain('transactions/s offered');
  }, 60_000);
});

describe('why a point does not hold', () => {
  it('says a run that did not settle was judged unsettled, and names a failed invariant otherwise', async () => {
    const { reasons } = await import('../reports/capacity-render.js');
    const point = (failedInvariants: string[]) => ({ invariantsOk: false, failedInvariants, thresholds: [], keepUp: 1, backlogGrowth: 0, backlogBounded: true, drainMs: 0, completedShare: 1, shedShare: 0, throughputPerSec: 1 }) as never;
    expect(reasons(point(['drained', 'copies-agree']))).toEqual(['did not settle within the run (copies-agree judged on the unsettled state)']);
    expect(reasons(point(['drained']))).toEqual(['did not settle within the run']);
    expect(reasons(point(['no-double-effect']))).toEqual(['no-double-effect failed']);
    // A result saved before the names were kept.
    expect(reasons(point(undefined as never))).toEqual(['an invariant failed']);
  });
});
