// seeds/003's gateway holds over 3,000 runs of the derived fault space (and its alternatives over 2,000 each).
import gateway from '../../scenarios/gateway/index.js';
import type { Scenario } from '../../harness/scenario.js';
import { holdsOver } from './holds.js';

const scenario = gateway as unknown as Scenario<any>;
holdsOver(scenario, 3_000, 41);
for (const variant of ['shared-pool', 'no-jitter']) holdsOver(scenario, 2_000, 42, { variant });
