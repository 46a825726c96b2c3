// The two-fault variants need two faults: no crash at any crash point of any actor, armed
// at any of a grid of times across the fault horizon, catches one alone (nor, in
// test/deep-windows.test.ts, a sample of every other kind). Long: npm run test:search.
import { expect, it } from 'vitest';
import { checkPlan, runCandidate } from '../../harness/check.js';
import type { Scenario } from '../../harness/scenario.js';
import { loadScenario } from '../../harness/load-scenario.js';

const GRID = 120;

it.each([
  ['refunds', 'batcher-releases-on-timeout'],
  ['examples/order-payments.ts', 'timeout-releases'],
  ['examples/status-callbacks.ts', 'retry-from-memory'],
])('%s %s: no single crash, at any point and time of a grid, catches it', async (name, variant) => {
  const scenario: Scenario<any> = await loadScenario(name);
  const plan = checkPlan(scenario, { variant });
  const { crashPoints, horizonMs } = plan.space.faults;
  let runs = 0;
  for (const p of crashPoints) {
    for (let g = 0; g < GRID; g++) {
      const afterMs = Math.round((horizonMs * g) / GRID);
      const fault = { kind: 'crash' as const, actor: p.actor, point: p.point, occurrence: 1, afterMs, restartAfterMs: 100 };
      runs++;
      expect(runCandidate(scenario, plan, { seed: 0, workload: {}, faults: [fault] }).ok, JSON.stringify(fault)).toBe(true);
    }
  }
  expect(runs).toBe(crashPoints.length * GRID);
}, 1_800_000);
