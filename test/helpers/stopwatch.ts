// Two actors: tx sends rx ten numbered messages, 100 ms apart; rx records when each
// arrived and what its own clock said then. For timing-fault tests (delay, pause,
// partition, clock skew).
import type { Behaviour } from '../../runtime/contract.js';
import type { Simulation } from '../../runtime/sim/kernel.js';

export function stopwatch(sim: Simulation) {
  const handled: { n: number; at: number; clock: number }[] = [];
  const rx: Behaviour<null, any> = { init: () => null, receive: (s, m, ctx) => (m.n !== undefined && handled.push({ n: m.n, at: sim.nowMs, clock: ctx.now() }), s) };
  sim.addActor({ name: 'rx', behaviour: rx });
  sim.addActor({
    name: 'tx',
    behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started' || m.type === 'tick') { const n = (m.n ?? 0) + 1; if (n <= 10) { ctx.send('rx', { n }); ctx.setTimer(100, { type: 'tick', n }); } } return s; } },
  });
  return handled;
}
