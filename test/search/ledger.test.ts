// seeds/003's event store holds over 3,000 runs of the derived fault space.
import ledger from '../../scenarios/ledger/index.js';
import type { Scenario } from '../../harness/scenario.js';
import { holdsOver } from './holds.js';

holdsOver(ledger as unknown as Scenario<any>, 3_000, 51);
