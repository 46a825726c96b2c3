import { describe, expect, it } from 'vitest';
import type { Behaviour, RuntimeMessage } from '../runtime/contract.js';
import { Simulation } from '../runtime/sim/kernel.js';

const echoTimes = (sim: Simulation) => {
  const arrivals: Record<string, number> = {};
  const sink: Behaviour<null, any> = { init: () => null, receive: (s, m, ctx) => (m.from !== undefined && (arrivals[m.from] = ctx.now()), s) };
  const src = (name: string): Behaviour<null, any> => ({ init: () => null, receive: (s, m, ctx) => (m.type === '$started' && ctx.send('sink', { from: name }), s) });
  sim.addActor({ name: 'sink', behaviour: sink });
  sim.addActor({ name: 'near', behaviour: src('near') });
  sim.addActor({ name: 'far', behaviour: src('far') });
  return arrivals;
};

describe('network links', () => {
  it('a link with its own latency delays only that link, one direction', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    const arrivals = echoTimes(sim);
    sim.setLink('far', 'sink', { latencyMs: 40 });
    sim.runUntil(1_000);
    expect(arrivals.near).toBeCloseTo(1, 3);
    expect(arrivals.far).toBeCloseTo(40, 3);
  });

  it('names an unknown actor clearly', () => {
    const sim = new Simulation({ seed: 1 });
    echoTimes(sim);
    expect(() => sim.setLink('far', 'nowhere', { latencyMs: 5 })).toThrow(/no actor named "nowhere"/);
  });
});

describe('auto-commit', () => {
  // A slow sink that never commits by itself: only the consumer's auto-commit does.
  function slowSink(autoCommitIntervalMs: number) {
    const sim = new Simulation({ seed: 1 });
    sim.addTopic({ name: 't', partitions: 1 });
    let n = 0;
    sim.addActor({
      name: 'src',
      behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started' || m.type === 'tick') { if (n < 100) ctx.produce('t', `k${n++}`, n); ctx.setTimer(1, { type: 'tick' }); } return s; } },
    });
    const seen = new Set<string>();
    const sink: Behaviour<null, RuntimeMessage> = {
      init: () => null,
      receive: (s, m) => { if (m.type === '$records') for (const r of m.records) seen.add(r.key); return s; },
    };
    sim.addActor({ name: 'sink', behaviour: sink, serviceTime: 200, consumes: { group: 'g', topics: ['t'], maxPollRecords: 10, autoCommit: true, autoCommitIntervalMs } });
    return { sim, seen };
  }

  it('commits fetched positions on its timer without the behaviour asking', () => {
    const { sim } = slowSink(50);
    sim.runUntil(5_000);
    expect(sim.committedOffset('g', 't', 0)).toBe(100);
  });

  it('commits what was fetched but not yet handled: a crash then skips those records (at most once)', () => {
    const { sim, seen } = slowSink(20);
    sim.runUntil(90); // a batch is fetched and committed while the sink is still busy with it
    sim.crash(sim.actor('sink'), 10_000);
    sim.runUntil(60_000);
    expect(sim.committedOffset('g', 't', 0)).toBe(100);
    expect(seen.size).toBeLessThan(100);
  });
});
