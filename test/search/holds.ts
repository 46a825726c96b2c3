// One long search of a scenario's correct design: no counterexample in `runs` runs of the
// derived fault space (the search tests of every scenario share it).
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { CheckResult } from '../../reports/check-result.js';
import type { Scenario } from '../../harness/scenario.js';

export function holdsOver(scenario: Scenario<any>, runs: number, seed: number, overrides: Record<string, unknown> = {}, more?: (r: CheckResult) => void): void {
  const what = overrides.variant === undefined ? scenario.name : `${scenario.name} --variant ${String(overrides.variant)}`;
  it(`${what} holds over ${runs.toLocaleString('en-US')} runs`, async () => {
    const r = await checkScenario(scenario, { runs, seed, overrides });
    expect(r.counterexample?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.runs).toBe(runs);
    more?.(r);
  }, 1_800_000);
}
