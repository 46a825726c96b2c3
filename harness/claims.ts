// Measures a scenario's declared claims: each claim asks for the runs it needs (this
// design or another, with parameters and faults), and runs asked for twice are run once.
import type { Claim } from '../reports/claims.js';
import type { RunResult } from '../reports/run-result.js';
import type { FaultPlan } from '../faults/plan.js';
import { runScenario } from './run.js';
import { presetsOf } from './presets.js';
import type { BaseParams, ClaimHarness, Scenario } from './scenario.js';

export function measureClaims<P extends BaseParams>(scenario: Scenario<P>, seed: number, scale = 1): Claim[] {
  const cache = new Map<string, RunResult>();
  const h: ClaimHarness = {
    seed,
    scale,
    run(overrides: Readonly<Record<string, unknown>>, faults: FaultPlan = [], design: Scenario<any> = scenario) {
      const key = JSON.stringify([design.name, overrides, faults]);
      let r = cache.get(key);
      if (r === undefined) cache.set(key, (r = runScenario(design, { seed, overrides, faults, traceViolations: false })));
      return r;
    },
    preset(name) {
      const plan = presetsOf(scenario, scenario.defaults).get(name);
      if (plan === undefined) throw new Error(`a claim of ${scenario.name} asks for the fault preset "${name}", which it does not have`);
      return plan;
    },
  };
  return (scenario.claims ?? []).map((c) => ({ claim: c.claim, ...c.measure(h) }));
}
