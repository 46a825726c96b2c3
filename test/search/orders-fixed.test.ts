// seeds/002's fix holds over 2,000 runs of the derived fault space (the issue's bar); the
// seed's design, over the same, is caught (test/orders.test.ts shows how).
import { expect, it } from 'vitest';
import { checkScenario } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import orders from '../../scenarios/orders/index.js';

it('orders --variant fixed holds over 2,000 runs', async () => {
  const r = await checkScenario(orders as unknown as Scenario<any>, { runs: 2_000, seed: 11, overrides: { variant: 'fixed' } });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.runs).toBe(2_000);
}, 1_800_000);

it.each([['retry-topic', {}], ['breaker', { paymentOutageMs: 2_000 }]] as const)('orders --variant %s holds over 2,000 runs', async (variant, extra) => {
  const r = await checkScenario(orders as unknown as Scenario<any>, { runs: 2_000, seed: 12, overrides: { variant, ...extra } });
  expect(r.counterexample?.message).toBeUndefined();
  expect(r.ok).toBe(true);
}, 1_800_000);
