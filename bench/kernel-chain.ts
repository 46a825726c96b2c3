// Kernel dispatch cost: a message circulating a 5-actor ring through the full kernel
// (mailbox, workers, service time, effects, history hash) next to a bare event-queue
// loop of the same shape (the same heap, a plain callback per hop). Same run, same
// machine: the ratio is what the kernel's bookkeeping costs.
import { performance } from 'node:perf_hooks';
import type { Behaviour } from '../runtime/contract.js';
import { EventQueue, SlotPool } from '../runtime/sim/event-queue.js';
import { Simulation } from '../runtime/sim/kernel.js';

const ACTORS = 5;
/** Messages in flight around the ring at once, so the heap has realistic depth. */
const IN_FLIGHT = 64;

export function kernelChain(deliveries: number): { perSec: number; wallMs: number } {
  const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
  let count = 0;
  const hop = (next: string): Behaviour<null, { type: string }> => ({
    init: () => null,
    receive(s, m, ctx) {
      if (m.type === '$started') {
        if (ctx.selfName === 'a0') for (let i = 0; i < IN_FLIGHT; i++) ctx.send(next, { type: 'hop' });
        return s;
      }
      if (++count < deliveries) ctx.send(next, m);
      return s;
    },
  });
  const refs: string[] = [];
  for (let i = 0; i < ACTORS; i++) refs.push(`a${i}`);
  for (let i = 0; i < ACTORS; i++) sim.addActor({ name: refs[i], behaviour: hop(refs[(i + 1) % ACTORS]), workers: IN_FLIGHT });
  const t0 = performance.now();
  sim.runUntil(Number.MAX_SAFE_INTEGER / 1e4);
  const wallMs = performance.now() - t0;
  return { perSec: count / (wallMs / 1000), wallMs };
}

export function bareChain(deliveries: number): { perSec: number; wallMs: number } {
  // The kernel's own queue and slot pool, with what an event carries in plain arrays.
  const q = new EventQueue();
  const slots = new SlotPool();
  const to: number[] = [];
  const msgs: { type: string }[] = [];
  const schedule = (t: number, dest: number, msg: { type: string }) => {
    const slot = slots.take();
    to[slot] = dest;
    msgs[slot] = msg;
    q.push(t, slot);
  };
  let count = 0;
  const t0 = performance.now();
  for (let i = 0; i < IN_FLIGHT; i++) schedule(1000, 1, { type: 'hop' });
  for (;;) {
    const t = q.peekTime();
    if (t === Infinity) break;
    const slot = q.pop();
    const dest = to[slot];
    const msg = msgs[slot];
    slots.give(slot);
    if (++count < deliveries) schedule(t + 1000, (dest + 1) % ACTORS, msg);
  }
  const wallMs = performance.now() - t0;
  return { perSec: count / (wallMs / 1000), wallMs };
}
