// The fault presets of a scenario for given parameters: "none", a "chaos" plan derived
// from the topology (unless the scenario writes its own), and the scenario's own.
import type { FaultPlan } from '../faults/plan.js';
import type { Presets } from '../faults/load-plan.js';
import { derivedChaos } from './probe.js';
import type { BaseParams, Scenario } from './scenario.js';

export function presetsOf<P extends BaseParams>(scenario: Scenario<P>, params: P): Presets {
  const own = scenario.presets?.(params) ?? {};
  return {
    names: presetNames(scenario, params),
    get(name: string): FaultPlan | undefined {
      if (Object.prototype.hasOwnProperty.call(own, name)) return own[name];
      if (name === 'none') return [];
      // The derived plan needs a probe run: made only when asked for.
      if (name === 'chaos') return derivedChaos(scenario, params);
      return undefined;
    },
  };
}

/** The names of a scenario's presets. */
export function presetNames<P extends BaseParams>(scenario: Scenario<P>, params: P): string[] {
  return [...new Set(['none', 'chaos', ...Object.keys(scenario.presets?.(params) ?? {})])];
}
