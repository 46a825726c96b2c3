// seeds/003's gateway holds over 3,000 runs of the derived fault space (and its alternatives over 2,000 each).
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import gateway from '../../scenarios/gateway/index.js';

const scenario = gateway as unknown as Scenario<any>;

it('gateway holds over 3,000 runs', async () => {
  const r = await checkScenario(scenario, { runs: 3_000, seed: 41, overrides: {} });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(3_000);
}, 1_800_000);

it.each(['shared-pool', 'no-jitter'])('gateway --variant %s (a sound alternative) holds over 2,000 runs', async (variant) => {
  const r = await checkScenario(scenario, { runs: 2_000, seed: 42, overrides: { variant } });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
}, 1_800_000);
