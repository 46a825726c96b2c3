// seeds/003's dual-database writer on the kit: after one database's outage every write is
// in all three databases or compensated in all three, under the derived fault space; each
// bug is caught and shrunk; the inconsistency window is measured.
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import { measureClaims } from '../harness/claims.js';
import type { Scenario } from '../harness/scenario.js';
import dualWrites from '../scenarios/dual-writes/index.js';

const scenario = dualWrites as unknown as Scenario<any>;

describe('dual-writes (seeds/003, the dual-database writer)', () => {
  it('a run through an 8 s outage of one database repairs some writes, compensates others, and the databases agree', () => {
    const r = runScenario(scenario, { seed: 1, overrides: {}, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.metrics.completed).toBe(3_000);
    expect(r.metrics.counters['writes.accepted']).toBeGreaterThan(0);
    expect(r.metrics.counters['retrier.repaired']).toBeGreaterThan(0);
    expect(r.outcomes.compensated).toBeGreaterThan(0);
    expect(r.outcomes.deadLetters).toBeGreaterThanOrEqual(r.outcomes.compensated);
    // The window is measured from the databases' answers: short without the outage, seconds with it.
    expect(r.metrics.latencyMs.inconsistency.p50).toBeLessThan(100);
    expect(r.metrics.latencyMs.inconsistency.max).toBeGreaterThan(2_000);
  });

  it('without an outage every write is committed at once', () => {
    const r = runScenario(scenario, { seed: 2, overrides: { outageMs: 0, count: 1_000 }, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.metrics.counters['writes.committed']).toBe(1_000);
    expect(r.outcomes.compensated).toBe(0);
  });

  it('the search finds no counterexample in the design', async () => {
    const r = await checkScenario(scenario, { runs: 600, seed: 3, overrides: {} });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.faultKinds.crash.fired).toBeGreaterThan(50);
  });

  it.each([
    ['no-compensation', /compensated, yet still held by/, true],
    ['not-idempotent', /written more than once to/, false],
    ['no-tombstone', /compensated, yet still held by|missing from/, false],
    ['answer-before-queued', /missing from .* never compensated|told it succeeded/, false],
  ])('%s is caught', async (variant, message, faultFree) => {
    const r = await checkScenario(scenario, { runs: 500, seed: 1, overrides: { variant } });
    expect(r.ok).toBe(false);
    expect(`${r.counterexample!.invariant}: ${r.counterexample!.message}`).toMatch(message);
    expect(r.counterexample!.faultFree).toBe(faultFree);
  });

  it('the claims are measured: agreement after the outage, disagreement without compensation, agreement under chaos', () => {
    const claims = measureClaims(scenario, 1);
    expect(claims).toHaveLength(3);
    for (const c of claims) expect(c.verdict, `${c.claim}: ${c.measured}`).toBe('PASS');
  }, 120_000);
});
