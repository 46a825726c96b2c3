// seeds/004 on the kit: the correct design (offset log, checkpointed state, a sink written
// once per batch id) holds under the derived fault space; each way the seed's "no
// duplicates after a crash" can fail is caught, shrunk to the fault that matters.
import { describe, expect, it } from 'vitest';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import type { Scenario } from '../harness/scenario.js';
import dedup from '../scenarios/payments-dedup/index.js';

const scenario = dedup as unknown as Scenario<any>;

describe('payments-dedup (seeds/004)', () => {
  it('a run drops only events past the watermark, removes every duplicate, and samples the dedup state on the timeline', () => {
    const r = runScenario(scenario, { seed: 1, overrides: { count: 3_000, lateRate: 0.05, duplicateRate: 0.02 }, traceViolations: false });
    expect(r.ok).toBe(true);
    expect(r.outcomes['payments.droppedLate']).toBeGreaterThan(0);
    expect(r.metrics.counters['payments.duplicatesSkipped']).toBeGreaterThan(0);
    expect(r.outcomes['payments.inSink']).toBe(r.outcomes['payments.distinctInSink']);
    expect(r.outcomes['payments.inSink'] + r.outcomes['payments.droppedLate']).toBe(3_000);
    expect(r.metrics.gauges?.['dedup.stateKeys'].max).toBeGreaterThan(0);
    expect(r.timeline.some((p) => (p.gauges?.['dedup.stateKeys'] ?? 0) > 0)).toBe(true);
  });

  it('the correct design holds under the search, with the job crashed at both its crash points', async () => {
    const r = await checkScenario(scenario, { runs: 1_500, seed: 1, overrides: {} });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.faultKinds.crash.fired).toBeGreaterThan(100);
    expect(r.crashPointsNeverFired).toEqual([]);
  });

  it.each([
    ['non-idempotent-sink', /no-transaction-twice-in-sink.*2 rows for one key in the sink|amounts-reconcile/],
    ['state-not-checkpointed', /no-transaction-twice-in-sink.*2 rows for one key in the sink/],
    ['no-offset-log', /no-accepted-event-lost|no-transaction-twice-in-sink/],
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

  it('watermark-too-short drops events within the promised hour, with no fault at all', async () => {
    const r = await checkScenario(scenario, { runs: 100, seed: 1, overrides: { variant: 'watermark-too-short' } });
    expect(r.counterexample?.faultFree).toBe(true);
    expect(r.counterexample?.message).toMatch(/dropped as late, but only [\d.]+ min behind/);
  });

  it('records below the checkpoint that come again (the group rewound) are committed again, so the run drains', () => {
    // Found by the first search: the job skipped them and never told the group, which waited for good.
    const plan = checkPlan(scenario, {});
    const r = runCandidate(scenario, plan, { seed: 0, workload: { duplicateRate: 0.05, lateRate: 0 }, faults: [{ kind: 'rewind', group: 'stream-job', atMs: 1525, records: 1 }] });
    expect(r.ok).toBe(true);
  });
});

describe('the seed\'s claims, measured', () => {
  it('throughput and latency, duplicates, reconciliation and no new duplicates after a crash hold; zero loss with a fast clock and "nothing is replayed" do not', async () => {
    const { measureClaims } = await import('../harness/claims.js');
    const claims = measureClaims(scenario, 1, 0.05);
    expect(claims.map((c) => c.verdict)).toEqual(['PASS', 'NOT MEASURED', 'PASS', 'PASS', 'FAIL', 'FAIL', 'PASS']);
    expect(claims[4].measured).toMatch(/^[1-9][\d,]* on-time transactions dropped as late/);
    expect(claims[5].measured).toMatch(/^[1-9][\d,]* records replayed/);
    expect(claims[6].measured).toMatch(/With a sink that appends \(variant non-idempotent-sink\): [1-9]/);
  }, 120_000);
});
