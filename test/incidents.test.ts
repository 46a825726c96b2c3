// seeds/001's incidents on the kit: the design (idempotency key, TTL backstop, shared limit
// with Retry-After honoured) holds under the derived fault space; each incident variant is
// caught and shrunk to the faults that matter, and the same fault plan leaves the design
// clean (the negative control of every checker used).
import { describe, expect, it } from 'vitest';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import { measureClaims } from '../harness/claims.js';
import type { Scenario } from '../harness/scenario.js';
import type { FaultPlan } from '../faults/plan.js';
import incidents from '../scenarios/incidents/index.js';

const scenario = incidents as unknown as Scenario<any>;
const inv = (r: { invariants: readonly { name: string; ok: boolean; violations: number }[] }, name: string) => r.invariants.find((i) => i.name === name)!;

describe('incidents (seeds/001)', () => {
  it('a calm run debits every payment once, mostly from the local cache, and follows every config change', () => {
    const r = runScenario(scenario, { seed: 1, overrides: { count: 1_500 }, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.outcomes['debits.DEBITED']).toBe(1_500);
    expect(r.metrics.counters['cache.l1Hits']).toBeGreaterThan(1_000);
    expect(r.metrics.counters['cache.evictions']).toBeGreaterThan(0);
    expect(r.metrics.counters['config.changes']).toBeGreaterThan(0);
    expect(r.metrics.gauges?.['api-0.threads.busy'].max).toBeGreaterThan(0);
    // Quotes go through the shared limit and the acquirer serves them all at this rate.
    expect(r.metrics.counters['acquirer.served']).toBeGreaterThan(0);
    expect(r.metrics.counters['acquirer.throttled'] ?? 0).toBe(0);
  });

  it('a lost debit answer retried without an idempotency key debits twice; with the key the retry finds the first debit', () => {
    const faults: FaultPlan = [{ kind: 'lose-response', to: 'api-0', messageType: 'debit-result', atMs: 500, count: 2 }];
    const bug = runScenario(scenario, { seed: 1, overrides: { count: 600, variant: 'retry-without-key' }, faults, traceViolations: false });
    expect(inv(bug, 'no-double-debit').violations).toBe(2);
    const fixed = runScenario(scenario, { seed: 1, overrides: { count: 600 }, faults, traceViolations: false });
    expect(fixed.ok).toBe(true);
    expect(fixed.metrics.counters['ledger.repeatedDebits']).toBe(2);
  });

  it('a pod that loses its evictions serves the old config past the bound without a TTL, and within it with one', () => {
    const faults: FaultPlan = [{ kind: 'lose-response', to: 'api-1', messageType: 'cache-evict', atMs: 0, count: 100 }];
    const bug = runScenario(scenario, { seed: 1, overrides: { count: 3_000, variant: 'no-ttl-backstop' }, faults, traceViolations: false });
    expect(inv(bug, 'config-fresh-within-ttl').violations).toBeGreaterThan(100);
    expect(bug.invariants.filter((i) => !i.ok).map((i) => i.name)).toEqual(['config-fresh-within-ttl']);
    const fixed = runScenario(scenario, { seed: 1, overrides: { count: 3_000 }, faults, traceViolations: false });
    expect(fixed.ok).toBe(true);
  });

  it('the search finds no counterexample in the design, with crashes at its crash points and faults of every kind but clock skew', async () => {
    const r = await checkScenario(scenario, { runs: 600, seed: 3, overrides: {} });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.faultKinds['lose-response'].fired).toBeGreaterThan(50);
    expect(r.faultKinds['clock-skew'].planned).toBe(0);
  });

  it.each([
    ['retry-without-key', /no-double-debit: 2 debits for one request/],
    ['no-ttl-backstop', /config-fresh-within-ttl: served version \d+ of merchant-rule/],
  ])('%s is caught and shrunk to the faults that matter (without any one of them it passes)', async (variant, message) => {
    const r = await checkScenario(scenario, { runs: 500, seed: 1, overrides: { variant } });
    expect(r.ok).toBe(false);
    const c = r.counterexample!;
    expect(`${c.invariant}: ${c.message}`).toMatch(message);
    expect(c.candidate.faults.length).toBeGreaterThan(0);
    const plan = checkPlan(scenario, { variant });
    for (let i = 0; i < c.candidate.faults.length; i++) {
      expect(runCandidate(scenario, plan, { ...c.candidate, faults: c.candidate.faults.filter((_, j) => j !== i) }).ok).toBe(true);
    }
  });

  it('retry-storm retries inside the Retry-After with no fault at all; the design, on the same load, never does', async () => {
    const r = await checkScenario(scenario, { runs: 50, seed: 1, overrides: { variant: 'retry-storm' } });
    expect(r.counterexample?.faultFree).toBe(true);
    expect(r.counterexample?.message).toMatch(/sent again [\d.]+ ms before the Retry-After/);
    const plan = checkPlan(scenario, {});
    const fixed = runCandidate(scenario, plan, r.counterexample!.candidate);
    expect(fixed.ok).toBe(true);
  });

  it('every claim of the seed\'s incident timelines is measured and reproduced', () => {
    const claims = measureClaims(scenario, 1);
    expect(claims).toHaveLength(6);
    for (const c of claims) expect(c.verdict, `${c.claim}: ${c.measured}`).toBe('PASS');
  }, 120_000);

  it('refuses a config timeout as long as the TTL, saying why', () => {
    expect(() => runScenario(scenario, { seed: 1, overrides: { count: 10, configTimeoutMs: 5_000 } })).toThrow(/configTimeoutMs \(5000\) must be below configTtlMs/);
  });
});
