import { describe, expect, it } from 'vitest';
import { EventQueue } from '../runtime/sim/event-queue.js';
import { Prng } from '../runtime/sim/prng.js';

describe('event queue', () => {
  it('pops in time order and, at equal times, in scheduling order', () => {
    const q = new EventQueue<{ t: number; s: number; id: number }>();
    const ids = [5, 1, 5, 3, 1, 5, 0];
    ids.forEach((t, id) => q.push({ t, s: 0, id }));
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.id);
    expect(out).toEqual([6, 1, 4, 3, 0, 2, 5]);
  });

  it('matches a stable sort on (time, sequence) for random schedules', () => {
    const rng = new Prng(42, 'queue-test');
    const q = new EventQueue<{ t: number; s: number; id: number }>();
    const all: { t: number; id: number }[] = [];
    for (let id = 0; id < 5000; id++) {
      const t = rng.int(0, 50);
      all.push({ t, id });
      q.push({ t, s: 0, id });
      if (rng.random() < 0.3) {
        const e = q.pop()!;
        all.splice(all.findIndex((x) => x.id === e.id), 1);
        expect(all.every((x) => x.t > e.t || (x.t === e.t && x.id > e.id))).toBe(true);
      }
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
