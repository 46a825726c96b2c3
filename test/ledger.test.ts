// seeds/003's event store on the kit: snapshots equal full replays under the derived fault
// space, with two instances appending under optimistic concurrency; each bug is caught;
// the replay cost with and without snapshots is measured.
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import { measureClaims } from '../harness/claims.js';
import type { Scenario } from '../harness/scenario.js';
import ledger from '../scenarios/ledger/index.js';

const scenario = ledger as unknown as Scenario<any>;

describe('ledger (seeds/003, event sourcing)', () => {
  it('a run snapshots every 1,000 events, replays at most the tail, and two instances meet in conflicts, not lost events', () => {
    const r = runScenario(scenario, { seed: 1, overrides: { count: 2_500 }, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.outcomes.snapshots).toBeGreaterThanOrEqual(1);
    expect(r.metrics.latencyMs.eventsReplayed.max).toBeLessThan(1_000);
    expect(r.metrics.counters['accounts.conflicts']).toBeGreaterThan(0);
    expect(r.metrics.completed).toBe(2_500);
  });

  it('the search finds no counterexample in the design', async () => {
    const r = await checkScenario(scenario, { runs: 600, seed: 3, overrides: {} });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.faultKinds.crash.fired).toBeGreaterThan(50);
  });

  it.each([
    ['snapshot-before-apply', /snapshot-equals-replay: the snapshot at version 5 holds/],
    ['replay-skips-tail', /snapshot-equals-replay|no-overdraft/],
    ['no-version-check', /event-lifecycle|no-lost-event|one-event-per-command/],
  ])('%s is caught, with no fault needed', async (variant, message) => {
    const r = await checkScenario(scenario, { runs: 200, seed: 1, overrides: { variant } });
    expect(r.ok).toBe(false);
    expect(`${r.counterexample!.invariant}: ${r.counterexample!.message}`).toMatch(message);
    expect(r.counterexample!.faultFree).toBe(true);
  });

  it('the claims are measured: snapshots bound the replay, and every snapshot equals a full replay under chaos', () => {
    const claims = measureClaims(scenario, 1);
    expect(claims).toHaveLength(2);
    for (const c of claims) expect(c.verdict, `${c.claim}: ${c.measured}`).toBe('PASS');
  }, 120_000);
});
