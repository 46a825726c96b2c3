// seeds/001's fixes (idempotency key, TTL backstop, shared limit with Retry-After honoured)
// hold over 3,000 runs of the derived fault space; each incident variant is caught.
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import incidents from '../../scenarios/incidents/index.js';

const scenario = incidents as unknown as Scenario<any>;

it('incidents holds over 3,000 runs', async () => {
  const r = await checkScenario(scenario, { runs: 3_000, seed: 31, overrides: {} });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(3_000);
  expect(r.crashPointsNeverFired).toEqual([]);
}, 1_800_000);

it.each(['retry-without-key', 'no-ttl-backstop', 'retry-storm'])('incidents --variant %s is caught within 2,000 runs', async (variant) => {
  const r = await checkScenario(scenario, { runs: 2_000, seed: 32, overrides: { variant } });
  expect(r.ok).toBe(false);
}, 600_000);
