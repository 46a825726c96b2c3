// seeds/004's correct design holds over 3,000 runs of the derived fault space, and its
// dedup state stays flat over three simulated hours at 10,000 transactions a minute (the
// claim's day is `capacity payments-dedup --claims`, ~3 min).
import { expect, it } from 'vitest';
import { measureClaims } from '../../harness/claims.js';
import type { Scenario } from '../../harness/scenario.js';
import dedup from '../../scenarios/payments-dedup/index.js';
import { holdsOver } from './holds.js';

const scenario = dedup as unknown as Scenario<any>;

holdsOver(scenario, 3_000, 21);

it('the dedup state is flat from the second simulated hour to the last', () => {
  const flat = measureClaims({ ...scenario, claims: scenario.claims!.filter((c) => /flat/.test(c.claim)) }, 1, 0.125)[0];
  expect(flat.verdict, flat.measured).toBe('PASS');
  expect(flat.measured).toMatch(/ids in hour 2, [\d,]+ in the last hour \(hour 3\)/);
}, 600_000);
