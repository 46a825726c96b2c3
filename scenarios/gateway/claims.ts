// seeds/003's claims for its gateway, measured: bulkhead isolation, the breaker's path and
// fast failure, the rate limit, and what jitter does to a retry herd.
import type { ClaimDecl } from '../../harness/scenario.js';
import type { RunResult } from '../../reports/run-result.js';

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const lat = (r: RunResult, name: string) => r.metrics.latencyMs[name];
const counter = (r: RunResult, name: string) => r.metrics.counters[name] ?? 0;
const peak = (r: RunResult, gauge: string) => r.metrics.gauges?.[gauge]?.max ?? 0;

/** The breaker's path, every change with its time (the gauge keeps its path: it changes seldom). */
function breakerPath(r: RunResult, route: string): string {
  const names = ['CLOSED', 'HALF_OPEN', 'OPEN'];
  return (r.metrics.gauges?.[`breaker.${route}`]?.path ?? []).map(([t, v]) => `${names[v]}@${(t / 1000).toFixed(1)}s`).join(' → ');
}

export const GATEWAY_CLAIMS: readonly ClaimDecl[] = [
  {
    claim: 'bulkhead: one service slowdown doesn\'t affect others',
    measure(h) {
      // The transaction service answers 100× slower (2 s) for 30 s: slow, not failing, so the breaker never opens.
      const slow = { count: Math.round(6_000 * h.scale), outageKind: 'slow', outageAtMs: 10_000, outageMs: 30_000 };
      const isolated = h.run(slow);
      const shared = h.run({ ...slow, variant: 'shared-pool' });
      const calm = h.run({ count: Math.round(6_000 * h.scale) });
      const user = (r: RunResult) => lat(r, 'route:user').p99;
      return {
        measured: `user p99 ${ms(user(calm))} with no slowdown, ${ms(user(isolated))} with a bulkhead per service, ${ms(user(shared))} with one shared pool of the same 45 slots; transaction requests refused by their bulkhead: ${counter(isolated, 'gateway.bulkhead-full')}`,
        verdict: user(isolated) < 2 * user(calm) && user(shared) > 5 * user(calm) ? 'PASS' : 'FAIL',
        how: '100 requests/s (half to user); --param outageKind=slow --param outageAtMs=10000 --param outageMs=30000, then --variant shared-pool',
      };
    },
  },
  {
    claim: 'circuit breaker: CLOSED → OPEN at 50% errors, fails fast while open, HALF_OPEN after 30 s, CLOSED once the service is back',
    measure(h) {
      // The transaction service answers 503 for a minute from the 20th second.
      const r = h.run({ count: Math.round(12_000 * h.scale), outageKind: 'down', outageAtMs: 20_000, outageMs: 60_000 });
      const opened = counter(r, 'breaker.transaction.OPEN');
      const halfOpened = counter(r, 'breaker.transaction.HALF_OPEN');
      const closed = counter(r, 'breaker.transaction.CLOSED');
      const fastFailed = counter(r, 'gateway.circuit-open');
      return {
        measured: `opened ${opened}×, half-open ${halfOpened}× (one probe each: the first at 50 s failed, the service still down), closed ${closed}×; ${fastFailed} requests refused at once while open; path: ${breakerPath(r, 'transaction')}; other breakers opened ${counter(r, 'breaker.user.OPEN') + counter(r, 'breaker.payment.OPEN')}×`,
        verdict: opened >= 1 && halfOpened >= 1 && closed >= 1 && fastFailed > 0 && counter(r, 'breaker.user.OPEN') === 0 && /OPEN.*HALF_OPEN.*CLOSED/.test(breakerPath(r, 'transaction')) ? 'PASS' : 'FAIL',
        how: '--param outageKind=down --param outageAtMs=20000 --param outageMs=60000 --count 12000; the breaker gauge keeps every change, charted step by step in the HTML report',
      };
    },
  },
  {
    claim: 'rate limiting: a client gets at most 100 requests per 15 minutes, the rest 429',
    measure(h) {
      const r = h.run({ count: Math.round(6_000 * h.scale) });
      const held = r.invariants.find((i) => i.name === 'rate-limit-held');
      return {
        measured: `${counter(r, 'gateway.rate-limited').toLocaleString('en-US')} of ${(r.load?.planned ?? 0).toLocaleString('en-US')} requests answered 429 (the noisy client sends 20%); no client over its limit in any window: ${held?.ok ? 'held' : `BROKEN (${held?.violations})`}`,
        verdict: held?.ok === true && counter(r, 'gateway.rate-limited') > 0 ? 'PASS' : 'FAIL',
        how: 'the default load: 2,000 client IPs and one noisy one; the windows live in the limit store, which survives a gateway restart (--variant in-memory-limiter does not)',
      };
    },
  },
  {
    claim: 'jitter spreads retries after an outage (no thundering herd)',
    measure(h) {
      // A burst (50× for 200 ms) meets a payment outage; the breaker is set not to open, so that every read is retried.
      const burst = { count: Math.round(4_000 * h.scale), arrival: { kind: 'spike', factor: 50, atMs: 20_000, durationMs: 200 }, outageRoute: 'payment', outageKind: 'down', outageAtMs: 19_000, outageMs: 4_000, breakerMinimumCalls: 100_000 };
      const none = h.run({ ...burst, variant: 'no-jitter' });
      const seed = h.run(burst);
      const full = h.run({ ...burst, retryJitter: 'full' });
      const p = (r: RunResult) => peak(r, 'retriesPer100ms');
      return {
        measured: `peak retries in any 100 ms: ${p(none)} without jitter, ${p(seed)} with the seed's 0–100 ms, ${p(full)} with full jitter (uniform over the back-off; ${counter(full, 'gateway.failed')} reads then ran out of attempts inside the outage, against ${counter(seed, 'gateway.failed')})`,
        // The seed's jitter is 100 ms against back-offs of 1–8 s: it barely moves the peak; full jitter does.
        verdict: p(seed) < p(none) ? 'PASS' : 'FAIL',
        how: '--arrival spike:50:20000:200 --param outageRoute=payment --param outageKind=down --param outageAtMs=19000 --param outageMs=4000 --param breakerMinimumCalls=100000; --variant no-jitter, the default, --param retryJitter=full',
      };
    },
  },
];
