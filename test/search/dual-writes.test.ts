// seeds/003's dual-database writer holds over 3,000 runs of the derived fault space.
import dualWrites from '../../scenarios/dual-writes/index.js';
import type { Scenario } from '../../harness/scenario.js';
import { holdsOver } from './holds.js';

holdsOver(dualWrites as unknown as Scenario<any>, 3_000, 61);
