import { describe, expect, it } from 'vitest';
import { stopwatch } from './helpers/stopwatch.js';
import { Simulation } from '../runtime/sim/kernel.js';
import { injectFaults } from '../faults/inject.js';
import { knees, type SweepPoint } from '../reports/capacity.js';
import { parseRates } from '../cli/capacity-command.js';
import refunds2pcScenario from '../scenarios/refunds-2pc/index.js';
import { executeScenario, runScenario, verdicts } from '../harness/run.js';
import { tiny } from './helpers/tiny.js';
import type { Behaviour } from '../runtime/contract.js';
import type { EntityDecl } from '../checks/entity.js';

/** The tiny scenario's rows, one per request, as an entity: every request answered has one. */
const DONE: EntityDecl = { name: 'done', store: 'svc', table: 'done', status: 'status', initial: ['DONE'], transitions: {}, terminal: { DONE: 'served' }, requestKey: 'key' };

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

describe('the drain (review of 2026-12-04: two false alarms on correct pipelines)', () => {
  it('a caller with a long time-out, whose one answer was lost, is not called stuck while its retry is due', () => {
    // It sweeps every T/2 and retries after T: idle for up to 1.5 T, which beat the old 2 × T/2 + 17.5 s above T = 35 s.
    for (const clientTimeoutMs of [60_000, 200_000]) {
      const r = runScenario(tiny({ load: { count: 20, ratePerSec: 10, clientTimeoutMs } }) as never, {
        seed: 1, faults: [{ kind: 'lose-response', to: 'callers', messageType: 'response', atMs: 100, count: 1 }], traceViolations: false,
      });
      expect(r.faults[0].fired, String(clientTimeoutMs)).toBe(1);
      expect(r.invariants.filter((i) => !i.ok).map((i) => i.examples[0]?.message), String(clientTimeoutMs)).toEqual([]);
    }
  });

  it('a stage that finishes its work on a timer longer than the settle time is waited for, though it declares nothing pending', () => {
    // Answers at once, writes the row 3 s later (a retry after a back-off, say): the old drain checked after 1 s of quiet.
    const later: Behaviour<null, any> = {
      init: () => null,
      receive(s, m, ctx) {
        if (m.type === 'req') {
          ctx.setTimer(3_000, { type: 'write', key: m.key });
          ctx.send(m.replyTo, { type: 'response', key: m.key, status: 'ok' });
        } else if (m.type === 'write') ctx.store.insertIfAbsent('done', m.key, { key: m.key, status: 'DONE' });
        return s;
      },
    };
    const scenario = { ...tiny({ service: later, load: { count: 10, ratePerSec: 100 } }), entities: [DONE] };
    const r = runScenario(scenario as never, { seed: 1, traceViolations: false });
    expect(r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message}`)).toEqual([]);
    expect(r.outcomes['dones.DONE']).toBe(10);
  });

  it('a poller cycling through two idle tick types does not hold the drain, nor make a settled pipeline "stuck"', () => {
    const janitor: Behaviour<null, any> = {
      init: () => null,
      receive(s, m, ctx) {
        if (m.type === '$started') ctx.setTimer(100, { type: 'poll' });
        else if (m.type === 'poll') ctx.setTimer(1_000, { type: 'poll-idle' });
        else if (m.type === 'poll-idle') ctx.setTimer(100, { type: 'poll' });
        return s;
      },
    };
    const r = runScenario(tiny({ actors: [{ name: 'janitor', behaviour: janitor }] }) as never, { seed: 1, traceViolations: false });
    expect(r.invariants.filter((i) => !i.ok).map((i) => i.examples[0]?.message)).toEqual([]);
    expect(r.sim.virtualMs).toBeLessThan(10_000);
  });
});
