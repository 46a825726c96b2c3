// Deep windows: bugs that need a callee impaired and then its caller crashing while it
// waits for a retry. Paired faults and crash points armed at a time reach them; the
// two-fault zoo variants show both that they do and that no single fault does.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { faultArbitrary, kindsIn, pairArbitrary, planArbitrary } from '../faults/generators.js';
import { injectFaults } from '../faults/inject.js';
import { healTimeMs } from '../faults/plan.js';
import type { Scenario } from '../harness/scenario.js';
import refunds from '../scenarios/refunds/index.js';
import orderPayments from '../examples/order-payments.js';
import statusCallbacks from '../examples/status-callbacks.js';
import { toyPipeline } from './helpers/toy.js';

describe('calls and paired faults', () => {
  it('the probe finds who calls whom and how long each caller waits before it retries', () => {
    const calls = checkPlan(refunds, {}).space.faults.calls ?? [];
    // The batcher sends batches to DS and resends one unconfirmed after batchTimeoutMs (3 s in a check).
    expect(calls).toEqual(expect.arrayContaining([{ from: 'batcher', to: 'ds', timeoutMs: 3_000 }]));
    expect(calls.some((c) => c.from === 'client')).toBe(false); // the load generator is no fault target
  });

  it('a pair impairs the callee and crashes the caller while it waits: within the outage or one time-out after', () => {
    const space = checkPlan(refunds, {}).space.faults;
    const pairs = fc.sample(pairArbitrary(space), { seed: 3, numRuns: 300 });
    for (const [down, up] of pairs) {
      const call = space.calls!.find((c) => c.to === (down as { actor: string }).actor && c.from === (up as { actor: string }).actor);
      expect(call, JSON.stringify([down, up])).toBeDefined();
      const from = (down as { atMs: number }).atMs;
      const downMs = down.kind === 'crash' ? (down as { restartAfterMs: number }).restartAfterMs : (down as { durationMs: number }).durationMs;
      const upAt = 'afterMs' in up ? up.afterMs! : (up as { atMs: number }).atMs;
      expect(upAt).toBeGreaterThanOrEqual(from);
      expect(upAt).toBeLessThanOrEqual(from + downMs + call!.timeoutMs);
    }
    expect(new Set(pairs.map(([d]) => d.kind))).toEqual(new Set(['crash', 'partition', 'pause']));
    expect(pairs.some(([, u]) => 'point' in u)).toBe(true);
    // Plans draw pairs as one more choice of the swarm.
    const plans = fc.sample(planArbitrary(space), { seed: 3, numRuns: 300 });
    expect(plans.filter((p) => p.some((f) => 'afterMs' in f)).length).toBeGreaterThan(15);
  });

  it('a crash point armed at a time counts its passes from then, and the run lasts until it fired', () => {
    const { sim } = toyPipeline({ records: 1_000 });
    const fired: number[] = [];
    const faults = injectFaults(sim, [{ kind: 'crash', actor: 'sink', point: 'sink.after-count', occurrence: 2, afterMs: 400, restartAfterMs: 50 }], (_f, t) => fired.push(t));
    sim.runUntil(60_000);
    expect(faults[0].fired).toBe(1);
    expect(fired[0]).toBeGreaterThan(400);
    // Negative control: from the start, the second pass comes far earlier.
    const early = toyPipeline({ records: 1_000 });
    const at: number[] = [];
    injectFaults(early.sim, [{ kind: 'crash', actor: 'sink', point: 'sink.after-count', occurrence: 2, restartAfterMs: 50 }], (_f, t) => at.push(t));
    early.sim.runUntil(60_000);
    expect(at[0]).toBeLessThan(400);
    expect(healTimeMs([{ kind: 'crash', actor: 'sink', point: 'p', occurrence: 1, afterMs: 5_000, restartAfterMs: 100 }])).toBe(5_100);
  });
});

describe('two-fault variants: caught by a pair, never by one fault', () => {
  const cases: [Scenario<any>, string][] = [
    [refunds as unknown as Scenario<any>, 'batcher-releases-on-timeout'],
    [orderPayments as unknown as Scenario<any>, 'timeout-releases'],
    [statusCallbacks as unknown as Scenario<any>, 'retry-from-memory'],
  ];
  it.each(cases.map(([s, v]) => [`${s.name}/${v}`, s, v] as const))('%s', async (_name, scenario, variant) => {
    const r = await checkScenario(scenario, { runs: 300, seed: 5, overrides: { variant } });
    expect(r.ok).toBe(false);
    const c = r.counterexample!;
    // The callee impaired and the caller crashed: no single fault shows it (each alone passes).
    expect(c.candidate.faults.length).toBeGreaterThanOrEqual(2);
    expect(c.candidate.faults.length).toBeLessThanOrEqual(3);
    const plan = checkPlan(scenario, { variant });
    for (const f of c.candidate.faults) expect(runCandidate(scenario, plan, { ...c.candidate, faults: [f] }).ok, JSON.stringify(f)).toBe(true);
    expect(c.candidate.faults.some((f) => f.kind === 'crash')).toBe(true);
    // The correct pipeline holds under the same plan.
    expect(runCandidate(scenario, checkPlan(scenario, {}), c.candidate).ok).toBe(true);
  });

  it.each(cases.map(([s, v]) => [`${s.name}/${v}`, s, v] as const))('%s: no single fault of any kind the space draws catches it', (_name, scenario, variant) => {
    // The one-fault plans a search draws, of every kind, crash points armed at a time among them.
    const plan = checkPlan(scenario, { variant });
    const workloads = fc.sample(plan.space.workload, { seed: 9, numRuns: 40 });
    let runs = 0;
    for (const kind of kindsIn(plan.space.faults)) {
      fc.sample(faultArbitrary(plan.space.faults, kind), { seed: 9, numRuns: 40 }).forEach((f, i) => {
        runs++;
        expect(runCandidate(scenario, plan, { seed: i, workload: workloads[i], faults: [f] }).ok, JSON.stringify(f)).toBe(true);
      });
    }
    expect(kindsIn(plan.space.faults).length).toBeGreaterThanOrEqual(8);
    expect(runs).toBe(40 * kindsIn(plan.space.faults).length);
  }, 300_000);
});
