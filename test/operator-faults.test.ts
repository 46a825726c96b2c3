// Faults that operations cause rather than hardware: each must reach bugs no other kind
// reaches (a negative control that only it catches), and a correct pipeline must pass it.
import { describe, expect, it } from 'vitest';
import projection from './helpers/projection.js';
import { runScenario } from '../harness/run.js';
import { checkScenario } from '../harness/check.js';
import { faultPlanSchema, type FaultPlan } from '../faults/plan.js';
import type { Scenario } from '../harness/scenario.js';

const scenario = projection as unknown as Scenario<any>;
const run = (variant: string, faults: FaultPlan) => runScenario(scenario, { seed: 1, overrides: { variant }, faults, traceViolations: false });

describe('rewind: an operator resets a group\'s committed offsets', () => {
  // Late in the 15 s load and as far back as topics keep: records about 10 s old come again.
  const rewind: FaultPlan = [{ kind: 'rewind', group: 'projection', atMs: 12_000, records: 200 }];

  it('reads committed records again: old events past a 6 s dedup are caught, and the correct projection holds', () => {
    const ttl = run('ttl-dedup', rewind);
    expect(ttl.faults[0].fired).toBe(1);
    expect(ttl.invariants.find((i) => i.name === 'item-lifecycle')?.examples[0]?.message).toMatch(/moved PAID -> CREATED/);
    expect(run('correct', rewind).ok).toBe(true);
    // A redelivery at the same moment replays only what was not yet committed: within the dedup's 6 s.
    expect(run('ttl-dedup', [{ kind: 'redeliver', group: 'projection', atMs: 12_000 }]).ok).toBe(true);
    expect(run('ttl-dedup', []).ok).toBe(true);
  });

  it('is in the derived fault space: a correct pipeline holds while rewinds fire', async () => {
    const correct = await checkScenario(scenario, { runs: 150, seed: 3, overrides: {} });
    expect(correct.ok).toBe(true);
    expect(correct.faultKinds.rewind.fired).toBeGreaterThan(10);
    expect(correct.faultTargets['rewind projection'].fired).toBe(correct.faultKinds.rewind.fired);
  });

  it('is validated data: a group the scenario lacks, or a count below 1, is refused', () => {
    expect(faultPlanSchema.safeParse([{ kind: 'rewind', group: 'g', atMs: 0, records: 0 }]).success).toBe(false);
    expect(faultPlanSchema.parse([{ kind: 'rewind', group: 'g', atMs: 0 }])[0]).toMatchObject({ records: 100 });
    expect(() => run('correct', [{ kind: 'rewind', group: 'nope', atMs: 0, records: 5 }])).toThrow(/consumer group "nope".*it has: projection/);
  });
});
