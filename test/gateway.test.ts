// seeds/003's gateway on the kit: the design holds (no client over its limit, no create made
// twice) under the derived fault space; its two bugs are caught and shrunk; its claims
// (isolation, the breaker's path, the limit, jitter) are measured.
import { describe, expect, it } from 'vitest';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import { measureClaims } from '../harness/claims.js';
import type { Scenario } from '../harness/scenario.js';
import gateway from '../scenarios/gateway/index.js';

const scenario = gateway as unknown as Scenario<any>;

describe('gateway (seeds/003)', () => {
  it('a run limits the noisy client, answers every request, and counts requests as its unit', () => {
    const r = runScenario(scenario, { seed: 1, overrides: { count: 2_000 }, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.unit.plural).toBe('requests');
    // Served are those let through and answered ok; the rest were refused by the limit.
    expect(r.metrics.counters['gateway.rate-limited']).toBeGreaterThan(200);
    expect(r.metrics.completed).toBe(2_000 - r.metrics.counters['gateway.rate-limited']);
    expect(r.outcomes['transactions.CREATED']).toBeGreaterThan(0);
  });

  it('the breaker gauge keeps its whole path: CLOSED, OPEN, HALF_OPEN, OPEN, HALF_OPEN, CLOSED', () => {
    const r = runScenario(scenario, { seed: 1, overrides: { count: 12_000, outageKind: 'down', outageAtMs: 20_000, outageMs: 60_000 }, traceViolations: false });
    const path = r.metrics.gauges?.['breaker.transaction'].path?.map(([, v]) => v);
    expect(path).toEqual([0, 2, 1, 2, 1, 0]);
    // A gauge that changes all the time keeps no path (the timeline samples it).
    expect(r.metrics.gauges?.['bulkhead.user.active'].path).toBeUndefined();
  });

  it('the search finds no counterexample in the design', async () => {
    const r = await checkScenario(scenario, { runs: 600, seed: 3, overrides: {} });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.faultKinds.crash.fired).toBeGreaterThan(50);
    expect(r.faultKinds['clock-skew'].planned).toBe(0);
  });

  it.each([
    ['retry-non-idempotent', /one-transaction-per-request: 2 transactions for one request/],
    ['in-memory-limiter', /rate-limit-held: \d+ grants within 1000 ms \(the limit is 6\)/],
    // The limit store's own grants are fine: what the gateway let through is not.
    ['fail-open', /rate-limit-held: gateway let it through \(admitted\) under grant "none: the limit store/],
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
    // The design, under the same faults, holds.
    expect(runCandidate(scenario, checkPlan(scenario, {}), c.candidate).ok).toBe(true);
  });

  it('a limiter restarted at the instant a permit request arrives has its windows already (review: it granted from empty ones)', async () => {
    const { checkPlan, runCandidate } = await import('../harness/check.js');
    const r = runCandidate(scenario, checkPlan(scenario, {}), { seed: 1, workload: { userShare: 0.5, transactionShare: 0.3 }, faults: [{ kind: 'crash', actor: 'ratelimit', atMs: 1000, restartAfterMs: 14.011 }] });
    expect(r.invariants.find((i) => i.name === 'rate-limit-held')?.ok).toBe(true);
  });

  it('every claim is measured and holds', () => {
    const claims = measureClaims(scenario, 1);
    expect(claims).toHaveLength(4);
    for (const c of claims) expect(c.verdict, `${c.claim}: ${c.measured}`).toBe('PASS');
    expect(claims[1].measured).toMatch(/CLOSED@0\.0s → OPEN@.* → HALF_OPEN@.* → CLOSED@/);
  }, 120_000);
});
