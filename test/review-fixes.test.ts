import { describe, expect, it } from 'vitest';
import { stopwatch } from './helpers/stopwatch.js';
import { Simulation } from '../runtime/sim/kernel.js';
import { injectFaults } from '../faults/inject.js';
import { knees, type SweepPoint } from '../reports/capacity.js';
import { parseRates } from '../cli/capacity-command.js';
import refunds2pcScenario from '../scenarios/refunds-2pc/index.js';
import { executeScenario, verdicts } from '../harness/run.js';

// Found by an independent review of the fault, capacity and 2PC code.

describe('fault reports say what really happened', () => {
  it('overlapping clock skews add up, and each ends only its own', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    const seen = stopwatch(sim);
    injectFaults(sim, [
      { kind: 'clock-skew', actor: 'rx', skewMs: 1_000, atMs: 50, durationMs: 500 },
      { kind: 'clock-skew', actor: 'rx', skewMs: 300, atMs: 250, durationMs: 600 },
    ]);
    sim.runUntil(5_000);
    expect(seen.map((s) => Math.round(s.clock - s.at))).toEqual([0, 1000, 1000, 1300, 1300, 1300, 300, 300, 300, 0]);
  });

  it('a message a partition drops is not counted as delayed', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    stopwatch(sim);
    const [delay] = injectFaults(sim, [
      { kind: 'delay', to: 'rx', extraMs: 5, atMs: 0, durationMs: 10_000 },
      { kind: 'partition', actor: 'rx', atMs: 250, durationMs: 300 },
    ]);
    sim.runUntil(5_000);
    expect(delay.fired).toBe(7); // ten sent, three dropped by the partition
  });
});

describe('capacity', () => {
  const point = (ratePerSec: number, holds: boolean) => ({ ratePerSec, holds, design: 'd', param: null }) as SweepPoint;

  it('the knee is the highest rate up to which every swept rate held', () => {
    expect(knees([point(2_000, true), point(4_000, false), point(6_000, true)])[0].ratePerSec).toBe(2_000);
    expect(knees([point(2_000, false), point(4_000, true)])[0].ratePerSec).toBe(null);
  });

  it('a knee at the top of the swept range is only a lower bound, and says so', async () => {
    const [k] = knees([point(2_000, true), point(4_000, true)]);
    expect(k).toMatchObject({ ratePerSec: 4_000, allHeld: true });
    const { renderCapacityTerminal } = await import('../reports/capacity-render.js');
    const text = renderCapacityTerminal({ unit: { singular: 'order', plural: 'orders' }, knees: [k], points: [], claims: undefined, headline: null, latencies: [] } as never);
    expect(text).toContain('knee d: at least 4,000 orders/s offered (every swept rate held: sweep higher to find it)');
  });

  it('fractional rates are kept, and no point is swept twice', () => {
    expect(parseRates('0.4..1', 2)).toEqual([0.4, 1]);
    expect(parseRates('0.5..1.5', 3)).toEqual([0.5, 1, 1.5]);
  });
});

describe('refunds-2pc', () => {
  it('an overloaded run returns every reservation: a timed-out prepare withdraws its lock request', () => {
    // The lock service stalls past the prepare timeout: prepares time out while queued for locks.
    const faults = [{ kind: 'pause' as const, actor: 'lock-service', atMs: 1_000, durationMs: 6_000 }];
    const ex = executeScenario(refunds2pcScenario, refunds2pcScenario.parse({ count: 15_000, ratePerSec: 3_000 }), { seed: 1, faults });
    const reserved = [...(ex.sim.store('ds').table('reserved') as Map<number, number>).values()];
    expect(ex.faults[0].fired).toBe(1);
    expect(reserved.length).toBeGreaterThan(0);
    expect(reserved.every((r) => r === 0)).toBe(true);
    expect(verdicts(ex).filter((i) => !i.ok)).toEqual([]);
  });
});
