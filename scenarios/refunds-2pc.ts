// The rejected design of seeds/000, as a baseline: RMS coordinates a synchronous 2PC
// over DS and CS per refund on a pool of 200 request threads; DS takes the refund
// type's lock per refund and holds it across the transaction. The same workload,
// stores, checks and metrics as `refunds`, so capacity reports put both on one axis.
import type { Simulation } from '../runtime/sim/kernel.js';
import { exponentialMs } from '../runtime/sim/service-time.js';
import type { RefundConfig } from '../actors/refunds/config.js';
import { lockServiceBehaviour } from '../actors/refunds/lock-service.js';
import { rms2pcBehaviour } from '../actors/refunds-2pc/rms-2pc.js';
import { ds2pcBehaviour } from '../actors/refunds-2pc/ds-2pc.js';
import { cs2pcBehaviour } from '../actors/refunds-2pc/cs-2pc.js';
import { STORES, refundHarness, refundKeysOf, useRefundTables } from './refund-harness.js';
import { refundParams } from './refunds.js';
import type { BuiltScenario, Scenario } from './types.js';

export function buildRefunds2pc(sim: Simulation, cfg: RefundConfig): BuiltScenario {
  const h = refundHarness(sim, cfg);
  sim.addActor({ name: 'rms', store: STORES.rms, behaviour: rms2pcBehaviour(cfg), workers: 32, serviceTime: exponentialMs(0.5) });
  sim.addActor({ name: 'ds', store: STORES.ds, behaviour: ds2pcBehaviour(cfg), workers: 4, serviceTime: exponentialMs(1) });
  sim.addActor({ name: 'cs', store: STORES.cs, behaviour: cs2pcBehaviour(), workers: 4, serviceTime: exponentialMs(0.5) });
  useRefundTables(sim);
  sim.addActor({ name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(cfg.leaseMs), serviceTime: exponentialMs(0.2) });
  const rms = sim.actor('rms');
  return {
    loadDone: h.loadDone,
    loadProgress: h.loadProgress,
    quietMs: Math.max(5_000, 1.5 * cfg.clientTimeoutMs, cfg.leaseMs) + 1_000,
    drainDeadlineMs: 600_000,
    check: h.check,
    summary: h.summary,
    keysOf: refundKeysOf,
    sample: () => {
      const s = rms.state as { waiting: unknown[]; waitingHead: number } | undefined;
      return { offered: h.offered(), completed: h.observer.completed, deadLettered: h.observer.deadLettered, lag: s === undefined ? 0 : s.waiting.length - s.waitingHead };
    },
  };
}

export const refunds2pcScenario: Scenario<RefundConfig> = {
  name: 'refunds-2pc',
  description: 'the rejected design (seeds/000): RMS runs a synchronous 2PC over DS and CS per refund, DS locks per refund',
  params: refundParams,
  build: buildRefunds2pc,
};
