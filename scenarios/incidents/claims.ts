// seeds/001's incident timelines, each measured: the incident reproduced with the seed's
// shape (a verdict of PASS means the harness shows what the post-mortem says), then its fix
// under the same load and faults.
import type { ClaimDecl, ClaimHarness } from '../../harness/scenario.js';
import type { RunResult } from '../../reports/run-result.js';
import type { FaultPlan } from '../../faults/plan.js';
import { podName } from './params.js';

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const lat = (r: RunResult, name: string) => r.metrics.latencyMs[name];
const counter = (r: RunResult, name: string) => r.metrics.counters[name] ?? 0;
const violations = (r: RunResult, name: string) => r.invariants.find((i) => i.name === name)?.violations ?? 0;
const peakOverPods = (r: RunResult, gauge: string) => Math.max(0, ...Object.entries(r.metrics.gauges ?? {}).filter(([k]) => k.endsWith(`.${gauge}`)).map(([, g]) => g.max));
const PODS = 3;

/** The settlement-window spike: 150 payments/s, twice that for 20 s from the 10th second. */
const spike = (h: ClaimHarness) => ({ count: Math.round(9_000 * h.scale), arrival: { kind: 'spike', factor: 2, atMs: 10_000, durationMs: 20_000 } });

export const INCIDENT_CLAIMS: readonly ClaimDecl[] = [
  {
    claim: 'incident 1: a traffic spike on 200 request threads / 10 DB connections per pod takes latency from ~120 ms to 900 ms+, threads hit 200/200 and 503s appear',
    measure(h) {
      const calm = h.run({ count: Math.round(3_000 * h.scale) });
      const storm = h.run(spike(h));
      const before = lat(calm, 'response').p50;
      const during = lat(storm, 'response').p50;
      const threads = peakOverPods(storm, 'threads.busy');
      const refused = counter(storm, 'api.unavailable');
      return {
        measured: `p50 ${ms(before)} at 150/s, ${ms(during)} (p99 ${ms(lat(storm, 'response').p99)}) with the spike; threads busy at peak ${threads}/200; connection waiters at peak ${peakOverPods(storm, 'dbPool.pending')}; ${refused.toLocaleString('en-US')} answered 503`,
        verdict: before >= 80 && before <= 200 && during >= 900 && threads >= 200 && refused > 0 ? 'PASS' : 'FAIL',
        how: 'faultline run incidents (150/s), then --arrival spike:2:10000:20000 --count 9000: 300/s against pools that take ~214/s (3 pods × 10 connections / ~140 ms)',
      };
    },
  },
  {
    claim: 'incident 1 post-mortem: the root cause was pool math, not DB performance (concurrency ≈ RPS × latency fixes it)',
    measure(h) {
      const storm = h.run(spike(h));
      // Per pod at the spike: 100 payments/s × ~0.14 s a query = 14 connections busy on average; half as many again for the tail.
      const pool = Math.ceil((300 / PODS) * 0.14 * 1.5);
      const fixed = h.run({ ...spike(h), dbPool: pool });
      const dbBefore = lat(storm, 'call:ledger').p50;
      const dbAfter = lat(fixed, 'call:ledger').p50;
      const sameDb = Math.abs(dbBefore - dbAfter) <= 0.2 * dbAfter;
      const ok = sameDb && counter(fixed, 'api.unavailable') === 0 && lat(fixed, 'response').p99 < 1_000 && lat(storm, 'poolWait').p99 > 10 * dbBefore;
      return {
        measured: `the ledger query p50 was ${ms(dbBefore)} in the incident and ${ms(dbAfter)} after the fix, while connection waits reached p99 ${ms(lat(storm, 'poolWait').p99)}; with ${pool} connections a pod: p99 ${ms(lat(fixed, 'response').p99)}, ${counter(fixed, 'api.unavailable')} answered 503`,
        verdict: ok ? 'PASS' : 'FAIL',
        how: `the same spike; then --param dbPool=${pool} (300/s ÷ 3 pods × 0.14 s × 1.5); the database (100 connections) unchanged`,
      };
    },
  },
  {
    claim: 'incident 1 mitigation: load shedding (a short connection timeout, no accept queue) keeps the system answering fast instead of "alive but dead"',
    measure(h) {
      const shed = h.run({ ...spike(h), dbAcquireTimeoutMs: 300, acceptQueue: 0 });
      const storm = h.run(spike(h));
      const refused = counter(shed, 'api.unavailable');
      return {
        measured: `p99 ${ms(lat(shed, 'response').p99)} (unshed: ${ms(lat(storm, 'response').p99)}); ${refused.toLocaleString('en-US')} of ${(shed.load?.planned ?? 0).toLocaleString('en-US')} shed with a 503 at once (connection wait at most ${ms(lat(shed, 'poolWait').max)}); ${Math.round(shed.metrics.throughputPerSec)} debits/s`,
        verdict: lat(shed, 'response').p99 < 1_000 && refused > 0 && lat(shed, 'poolWait').max <= 301 ? 'PASS' : 'FAIL',
        how: 'the same spike with --param dbAcquireTimeoutMs=300 --param acceptQueue=0',
      };
    },
  },
  {
    claim: 'incident 2: a debit whose answer is lost, retried without an idempotency key, debits twice; with the key it does not',
    measure(h) {
      // The network drops the ledger's answers to one pod, now and then.
      const faults: FaultPlan = [0, 1, 2, 3, 4].map((i) => ({ kind: 'lose-response', to: podName(i % PODS), messageType: 'debit-result', atMs: (1_000 + 2_000 * i) * h.scale, count: 3 }));
      const load = { count: Math.round(3_000 * h.scale) };
      const incident = h.run({ ...load, variant: 'retry-without-key' }, faults);
      const fixed = h.run(load, faults);
      const twice = violations(incident, 'no-double-debit');
      return {
        measured: `${twice} payments debited twice without the key (${counter(incident, 'api.debitRetries')} retries); ${violations(fixed, 'no-double-debit')} with it (${counter(fixed, 'ledger.repeatedDebits')} retries found their first debit)`,
        verdict: twice > 0 && violations(fixed, 'no-double-debit') === 0 && counter(fixed, 'ledger.repeatedDebits') > 0 ? 'PASS' : 'FAIL',
        how: 'five bursts of 3 lost debit answers; --variant retry-without-key, then the design (the payment key as the debit id)',
      };
    },
  },
  {
    claim: 'incident A: 4× traffic, per-pod limits and immediate retries on 429 feed the throttle; honouring Retry-After with a shared limit keeps calls to the acquirer ≤ 50 a minute',
    measure(h) {
      // The campaign: 4× for a minute; pools sized for it, so that only the acquirer limits.
      const load = { count: Math.round(40_000 * h.scale), arrival: { kind: 'spike', factor: 4, atMs: 20_000, durationMs: 60_000 }, dbPool: 60, dbMaxConnections: 300 };
      const incident = h.run({ ...load, variant: 'retry-storm' });
      const fixed = h.run(load);
      const calls = (r: RunResult) => counter(r, 'acquirer.served') + counter(r, 'acquirer.throttled');
      const minutes = (r: RunResult) => r.sim.virtualMs / 60_000;
      return {
        measured: `incident: ${calls(incident)} calls, ${counter(incident, 'acquirer.throttled')} refused 429, ${violations(incident, 'retry-after-honoured')} quotes retried inside their Retry-After; fix: ${calls(fixed)} calls over ${minutes(fixed).toFixed(1)} min, ${counter(fixed, 'acquirer.throttled')} refused (the acquirer refuses any call past 50 in a minute), ${counter(fixed, 'api.quoteGaveUp')} payments shed after waiting ${ms(5_000)} for a permit`,
        verdict: counter(incident, 'acquirer.throttled') > 0 && counter(fixed, 'acquirer.throttled') === 0 && violations(fixed, 'retry-after-honoured') === 0 ? 'PASS' : 'FAIL',
        how: 'a 4× spike for a minute, 0.5% of payments needing a quote from an acquirer that takes 50 in any minute; --variant retry-storm, then the design (a shared sliding-window limit, Retry-After honoured)',
      };
    },
  },
  {
    claim: 'incident B: a pod that misses the eviction message serves the old config; a TTL backstop with jitter bounds how long',
    measure(h) {
      // The pub/sub listener fails on one pod of three: every eviction to it is lost.
      const faults: FaultPlan = [{ kind: 'lose-response', to: podName(1), messageType: 'cache-evict', atMs: 0, count: 100 }];
      const load = { count: Math.round(3_000 * h.scale) };
      const incident = h.run({ ...load, variant: 'no-ttl-backstop' }, faults);
      const fixed = h.run(load, faults);
      const stale = violations(incident, 'config-fresh-within-ttl');
      return {
        measured: `without a TTL ${stale} of ${(incident.load?.planned ?? 0).toLocaleString('en-US')} payments (${((100 * stale) / Math.max(1, incident.load?.planned ?? 0)).toFixed(1)}%) acted on a config older than the bound; with the TTL (1 s + up to 0.2 s jitter) ${violations(fixed, 'config-fresh-within-ttl')}`,
        verdict: stale > 0 && violations(fixed, 'config-fresh-within-ttl') === 0 ? 'PASS' : 'FAIL',
        how: 'every cache-evict to api-1 lost; 4 config changes 4 s apart; --variant no-ttl-backstop, then the design',
      };
    },
  },
];
