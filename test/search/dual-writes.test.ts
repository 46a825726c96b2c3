// seeds/003's dual-database writer holds over 3,000 runs of the derived fault space.
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import dualWrites from '../../scenarios/dual-writes/index.js';

const scenario = dualWrites as unknown as Scenario<any>;

it('dual-writes holds over 3,000 runs', async () => {
  const r = await checkScenario(scenario, { runs: 3_000, seed: 61, overrides: {} });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(3_000);
}, 1_800_000);
