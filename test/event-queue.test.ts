import { describe, expect, it } from 'vitest';
import { EventQueue, SlotPool } from '../runtime/sim/event-queue.js';
import { Prng } from '../runtime/sim/prng.js';

describe('event queue', () => {
  it('pops in time order and, at equal times, in scheduling order', () => {
    const q = new EventQueue();
    const times = [5, 1, 5, 3, 1, 5, 0];
    times.forEach((t, slot) => q.push(t, slot));
    const out: number[] = [];
    for (let slot = q.pop(); slot >= 0; slot = q.pop()) out.push(slot);
    expect(out).toEqual([6, 1, 4, 3, 0, 2, 5]);
    expect(q.peekTime()).toBe(Infinity);
  });

  it('matches a stable sort on (time, sequence) for random schedules, growing past its first capacity', () => {
    const rng = new Prng(42, 'queue-test');
    const q = new EventQueue();
    const pool = new SlotPool();
    const timeOf: number[] = [];
    const idOf: number[] = [];
    const all: { t: number; id: number }[] = [];
    for (let id = 0; id < 5000; id++) {
      const t = rng.int(0, 50);
      all.push({ t, id });
      const slot = pool.take();
      timeOf[slot] = t;
      idOf[slot] = id;
      q.push(t, slot);
      if (rng.random() < 0.3) {
        expect(q.peekTime()).toBe(Math.min(...all.map((x) => x.t)));
        const slot = q.pop();
        const e = { t: timeOf[slot], id: idOf[slot] };
        pool.give(slot);
        all.splice(all.findIndex((x) => x.id === e.id), 1);
        expect(all.every((x) => x.t > e.t || (x.t === e.t && x.id > e.id))).toBe(true);
      }
    }
    expect(q.size).toBe(all.length);
    let last = { t: -1, id: -1 };
    for (let slot = q.pop(); slot >= 0; slot = q.pop()) {
      const e = { t: timeOf[slot], id: idOf[slot] };
      expect(e.t > last.t || (e.t === last.t && e.id > last.id)).toBe(true);
      last = e;
    }
  });
});

describe('prng', () => {
  it('gives the same stream for the same seed and stream name on any machine', () => {
    const a = new Prng(7, 'x');
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([2100998355, 2894272654, 3336234773]);
  });

  it('gives independent streams per component name and per seed', () => {
    expect(new Prng(7, 'a').random()).not.toBe(new Prng(7, 'b').random());
    expect(new Prng(7, 'a').random()).not.toBe(new Prng(8, 'a').random());
  });
});
