// seeds/001's fixes (idempotency key, TTL backstop, shared limit with Retry-After honoured)
// hold over 3,000 runs of the derived fault space; each incident variant is caught.
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import incidents from '../../scenarios/incidents/index.js';
import { holdsOver } from './holds.js';

const scenario = incidents as unknown as Scenario<any>;

holdsOver(scenario, 3_000, 31, {}, (r) => expect(r.crashPointsNeverFired).toEqual([]));

it.each(['retry-without-key', 'no-ttl-backstop', 'retry-storm'])('incidents --variant %s is caught within 2,000 runs', async (variant) => {
  const r = await checkScenario(scenario, { runs: 2_000, seed: 32, overrides: { variant } });
  expect(r.ok).toBe(false);
}, 600_000);
