// A SeqMap must behave as the Map it replaces (apart from iteration order): same
// values back, same keys, same size, whatever keys come and in whatever order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeqMap } from '../runtime/sim/seq-map.js';

type K = number | string;
// Mostly a moving front of whole numbers, with strays: far keys, negatives, fractions, strings.
const key = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3_000 }) },
  { weight: 1, arbitrary: fc.constantFrom<K>(-1, 2.5, 'rf-1', 5_000_000, 2 ** 40) },
);
const op = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant('set' as const), key, fc.integer()) },
  { weight: 4, arbitrary: fc.tuple(fc.constant('delete' as const), key, fc.constant(0)) },
  { weight: 4, arbitrary: fc.tuple(fc.constant('delete-front' as const), fc.constant(0), fc.constant(0)) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('append' as const), fc.integer({ min: 1, max: 2_000 }), fc.integer()) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const), fc.constant(0), fc.constant(0)) },
);
const sorted = (m: Iterable<[K, unknown]>) => [...m].map(([k, v]) => JSON.stringify([k, v])).sort();

describe('seq maps', () => {
  it('behave as a Map under any sequence of operations (fast-check)', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300, size: 'medium' }), (ops) => {
      const s = new SeqMap<K, number>();
      const m = new Map<K, number>();
      let next = 0;
      for (const [kind, k, v] of ops) {
        if (kind === 'set') {
          s.set(k, v);
          m.set(k, v);
        } else if (kind === 'append') {
          next += k as number; // a jump ahead, sometimes past the gap the window takes
          s.set(next, v);
          m.set(next, v);
        } else if (kind === 'delete') expect(s.delete(k)).toBe(m.delete(k));
        else if (kind === 'delete-front') {
          const first = [...m.keys()].filter((x): x is number => typeof x === 'number').sort((a, b) => a - b)[0];
          if (first !== undefined) expect(s.delete(first)).toBe(m.delete(first));
        } else {
          s.clear();
          m.clear();
        }
        expect(s.size).toBe(m.size);
      }
      for (const k of m.keys()) {
        expect(s.has(k)).toBe(true);
        expect(s.get(k)).toBe(m.get(k));
      }
      for (const k of [-1, 0, 1, 7, 2.5, 'rf-1', next + 1]) {
        expect(s.has(k)).toBe(m.has(k));
        expect(s.get(k)).toBe(m.get(k));
      }
      expect(sorted(s)).toEqual(sorted(m));
      expect([...s.keys()].map(String).sort()).toEqual([...m.keys()].map(String).sort());
    }), { numRuns: Number(process.env.FAULTLINE_SEQMAP_RUNS ?? 300) });
  });

  it('keeps a key in one place when the window comes to cover a key it had put aside', () => {
    const s = new SeqMap<number, string>();
    s.set(10, 'a');
    s.set(5, 'b'); // below the window: aside
    s.delete(10); // the window empties
    s.set(3, 'c'); // and starts again at 3
    s.set(5, 'd'); // 5 is now in the window
    expect(s.size).toBe(2);
    expect([...s.entries()]).toEqual([[3, 'c'], [5, 'd']]);
    expect(s.delete(5)).toBe(true);
    expect(s.has(5)).toBe(false);
  });

  it('used as a queue of a million entries, holds only the window in its ring', () => {
    const s = new SeqMap<number, number>();
    for (let k = 0; k < 1_000_000; k++) {
      s.set(k, k);
      if (k >= 100) s.delete(k - 100);
    }
    expect(s.size).toBe(100);
    expect([...s.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => 999_900 + i));
    expect((s as unknown as { rows: unknown[] }).rows.length).toBeLessThanOrEqual(256);
  });
});
