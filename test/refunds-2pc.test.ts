import { describe, expect, it } from 'vitest';
import { runScenario } from '../harness/run.js';
import { sweep } from '../harness/sweep.js';
import refunds2pcScenario from '../scenarios/refunds-2pc/index.js';
import refundsScenario from '../scenarios/refunds/index.js';
import { parseThresholds } from '../reports/slo.js';

const failed = (r: ReturnType<typeof runScenario>) => r.invariants.filter((i) => !i.ok).map((i) => i.name);

describe('refunds-2pc: the rejected design as a baseline', () => {
  it('is correct, and slow: one lock per refund, answered only when the transaction ends', () => {
    for (const seed of [1, 2, 3]) {
      const r = runScenario(refunds2pcScenario, { seed, overrides: { count: 2_000, ratePerSec: 400 }, traceViolations: false });
      expect(failed(r), `seed ${seed}`).toEqual([]);
      expect(r.metrics.derived.lockAcquisitionsPerRefund).toBeGreaterThanOrEqual(1);
      expect(r.metrics.derived.lockAcquisitionsPerRefund).toBeLessThan(1.05);
      expect(r.outcomes['refunds.PENDING']).toBe(0);
    }
  });

  it('stays correct overloaded, when callers time out and retry requests still waiting for a thread', () => {
    // Regression: a retry of a request queued for a thread was queued again and run twice.
    const r = runScenario(refunds2pcScenario, { seed: 1, overrides: { count: 30_000, ratePerSec: 3_000 }, traceViolations: false });
    expect(r.metrics.counters['rms.retriesAnswered']).toBeGreaterThan(0);
    expect(r.metrics.latencyMs.rmsResponse.p99).toBeGreaterThan(10_000);
    expect(failed(r)).toEqual([]);
  });

  it('on the same axes, the event-driven design holds a rate the 2PC baseline cannot', () => {
    const r = sweep([refundsScenario, refunds2pcScenario], { seed: 1, rates: [400, 4_000], durationSec: 8, thresholds: parseThresholds('rmsResponse.p99<10000') });
    const knee = (d: string) => r.knees.find((k) => k.design === d)!.ratePerSec;
    expect(knee('refunds')).toBe(4_000);
    expect(knee('refunds-2pc')).toBe(400);
  });
});
