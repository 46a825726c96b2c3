import { describe, expect, it } from 'vitest';
import { runScenario } from '../harness/run.js';
import { checkScenario } from '../harness/check.js';
import { presetsOf } from '../harness/presets.js';
import { describeScenario } from '../harness/describe.js';
import { builtInScenarioNames, loadScenario } from '../harness/load-scenario.js';
import type { Scenario } from '../harness/scenario.js';
import { renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { renderRunSummary } from '../reports/summary-table.js';

// One contract over every built-in scenario and both examples: the same seed gives the
// same history, a fault-free run drains and holds, every preset fires every fault it
// plans and the pipeline holds under it, a short search passes, reports render with the
// scenario's own words, and describe says what it is. A new scenario is added here by
// being built in (a folder of scenarios/) or listed among the examples.
const EXAMPLES = ['examples/two-services.ts', 'examples/order-payments.ts'];
/** Parameters that keep each run short; the refund pipeline keeps its defaults, which its hand-timed chaos preset is written for. */
const SMALL: Record<string, Record<string, unknown>> = {
  'refunds-2pc': { count: 2_000, ratePerSec: 400 },
};

const all: [string, Scenario<any>][] = [];
for (const name of [...builtInScenarioNames(), ...EXAMPLES]) all.push([name, await loadScenario(name)]);

describe.each(all)('the scenario contract: %s', (name, scenario) => {
  // A default design with a documented bug is held to the contract through its fix.
  const overrides = { ...SMALL[scenario.name], ...(scenario.fixedBy !== undefined ? { variant: scenario.fixedBy } : {}) };
  const run = (seed: number, faults = [] as Parameters<typeof runScenario>[1]['faults']) => runScenario(scenario, { seed, overrides, faults, traceViolations: false });

  it('is built in or an example, and its parameters have defaults', () => {
    expect(all.map(([n]) => n)).toContain(name);
    expect(scenario.parse({})).toEqual(scenario.defaults);
  });

  it('the same seed gives the same history; another seed, another', () => {
    const a = run(1);
    expect(run(1).historyHash).toBe(a.historyHash);
    expect(run(2).historyHash).not.toBe(a.historyHash);
  });

  it('a fault-free run drains, holds every invariant, and completes what it was offered', () => {
    const r = run(3);
    expect(r.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.sim.drained).toBe(true);
    expect(r.load!.offered).toBe(r.load!.planned);
    expect(r.metrics.completed).toBeGreaterThan(0);
  });

  it('every preset fires every fault it plans, and the pipeline holds under it', () => {
    const presets = presetsOf(scenario, scenario.parse(overrides));
    expect(presets.names).toEqual(expect.arrayContaining(['none', 'chaos']));
    for (const name of presets.names) {
      const plan = presets.get(name)!;
      const r = run(4, plan);
      if (scenario.survivesFaults !== false) {
        // Each fault is aimed at something that happens: it fires in this run or, where the
        // plan's other faults got in its way (a failover of a partition whose producer was
        // paused all through it), in one of two more; the pipeline holds in every one.
        const more = r.faults.some((f) => f.fired === 0) ? [run(5, plan), run(6, plan)] : [];
        expect(r.faults.filter((f, i) => f.fired === 0 && more.every((m) => m.faults[i].fired === 0)), `${name}: faults that never fired`).toEqual([]);
        for (const x of [r, ...more]) expect(x.invariants.filter((i) => !i.ok), `${name}: invariants`).toEqual([]);
      } else {
        // A design that stalls under faults (its threads all wait) cannot meet what is planned for after the stall.
        expect(r.faults.filter((f) => f.fired > 0).length, `${name}: faults that fired`).toBeGreaterThanOrEqual(plan.length / 2);
      }
      // Every kind a pipeline without topics can take (crash, lose-response, delay, pause, partition, throttle, reorder, and clock skew unless it leaves it out).
      if (name === 'chaos') expect(new Set(plan.map((f) => f.kind)).size, 'chaos uses many kinds').toBeGreaterThanOrEqual(7);
    }
  });

  it('a short property search of its derived fault space passes (or, for a design that claims no fault tolerance, finds where it breaks)', async () => {
    const r = await checkScenario(scenario, { runs: 40, seed: 5, overrides });
    expect(Object.values(r.faultKinds).some((k) => k.fired > 0)).toBe(true);
    if (scenario.survivesFaults === false) {
      expect(r.ok).toBe(false);
      return;
    }
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it('reports render with its own unit, outcomes and invariants; describe says what it is', async () => {
    const r = run(6);
    const text = [renderRunSummary(r), renderRunMarkdown(r), await renderRunHtml(r)];
    for (const t of text) {
      expect(t).toContain(r.unit.plural);
      for (const i of r.invariants) expect(t).toContain(i.name);
    }
    expect(text[2]).toMatch(/<figure class="chart"><svg/);
    const d = describeScenario(scenario);
    expect(d.actors.length).toBeGreaterThan(1);
    expect(d.invariants.map((i) => i.name)).toEqual(r.invariants.map((i) => i.name));
  });
});
