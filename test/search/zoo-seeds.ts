// Every zoo variant over 20 search seeds: caught, and the plan reported is 1-minimal (it
// fails, and without any one of its faults it passes); a failure that needs no fault is
// reported with an empty plan. Long (minutes): npm run test:search, run by CI.
import { expect, it } from 'vitest';
import { checkPlan, checkScenario, runCandidate } from '../../harness/check.js';
import { zoo } from '../../bench/check-bench.js';

export const SEEDS = 20;

export async function zooMinimality(pick: (scenario: string, variant: string, index: number) => boolean): Promise<void> {
  const variants = (await zoo()).filter((z, i) => pick(z.scenario.name, z.variant, i));
  it.each(variants.map((z) => [`${z.scenario.name}/${z.variant}`, z] as const))('%s over 20 seeds', async (_name, { scenario, variant }) => {
    const plan = checkPlan(scenario, { variant });
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await checkScenario(scenario, { runs: 500, seed, overrides: { variant } });
      expect(r.ok, `seed ${seed}: not caught in 500 runs`).toBe(false);
      const c = r.counterexample!;
      expect(runCandidate(scenario, plan, c.candidate).ok, `seed ${seed}: the reported plan passes`).toBe(false);
      for (let i = 0; i < c.candidate.faults.length; i++) {
        const fewer = { ...c.candidate, faults: c.candidate.faults.filter((_, j) => j !== i) };
        expect(runCandidate(scenario, plan, fewer).ok, `seed ${seed}: fails without fault #${i} ${JSON.stringify(c.candidate.faults[i])}`).toBe(true);
      }
      expect(c.faultFree, `seed ${seed}`).toBe(c.candidate.faults.length === 0);
    }
  }, 1_800_000);
}
