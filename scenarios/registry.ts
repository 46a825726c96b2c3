// Built-in scenarios by name.
import { refundsScenario } from './refunds.js';
import { refunds2pcScenario } from './refunds-2pc.js';
import type { Scenario } from './types.js';

export const BUILT_IN_SCENARIOS: Readonly<Record<string, Scenario<any>>> = {
  refunds: refundsScenario,
  'refunds-2pc': refunds2pcScenario,
};
