// Dense tables must behave exactly as the Map they replace: same rows back, same keys,
// same size, whatever is written (including rows and keys they cannot encode).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DocumentTable, LedgerTable, RefundTable, refundNumber } from '../scenarios/refunds/tables.js';
import { SimStore } from '../runtime/sim/store.js';
import type { Key } from '../runtime/contract.js';

const keys: Key[] = ['rf-1', 'rf-2', 'rf-3', 'rf-1024', 'rf-5000', 'rf-0', 'rf-01', 'rf-1~2', 'other', 7];
const key = fc.constantFrom(...keys);
const status = fc.constantFrom('PENDING', 'DISBURSED', 'REJECTED', 'DEAD_LETTERED', 'ODD');
const refundRow = (k: Key) => fc.record({
  key: fc.constantFrom(String(k), 'rf-9'),
  refundType: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constant(2 ** 40)),
  amount: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.double({ noNaN: true })),
  status,
  requestedAt: fc.double({ min: 0, max: 1e9, noNaN: true }),
  reason: fc.option(fc.constantFrom('amount must be positive', 'payee account closed'), { nil: undefined }),
});
const op = key.chain((k) => fc.oneof(
  refundRow(k).map((row) => ({ kind: 'set' as const, k, row })),
  fc.constant({ kind: 'delete' as const, k }),
  fc.constant({ kind: 'clear' as const, k }),
));

const sorted = (m: Iterable<[Key, unknown]>) => [...m].map(([k, v]) => JSON.stringify([k, v])).sort();

describe('dense tables', () => {
  it('behave as a Map under any sequence of writes (fast-check)', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const t = new RefundTable() as unknown as Map<Key, unknown>;
      const m = new Map<Key, unknown>();
      for (const o of ops) {
        if (o.kind === 'set') {
          t.set(o.k, o.row);
          m.set(o.k, o.row);
        } else if (o.kind === 'delete') expect(t.delete(o.k)).toBe(m.delete(o.k));
        else {
          t.clear();
          m.clear();
        }
        expect(t.size).toBe(m.size);
      }
      for (const k of keys) {
        expect(t.has(k)).toBe(m.has(k));
        expect(t.get(k)).toEqual(m.get(k));
      }
      expect(sorted(t)).toEqual(sorted(m));
      expect(sorted(t.entries())).toEqual(sorted(m.entries()));
      expect([...t.keys()].map(String).sort()).toEqual([...m.keys()].map(String).sort());
      expect(t.values()).toBeDefined();
    }), { numRuns: Number(process.env.FAULTLINE_DENSE_RUNS ?? 300) });
  });

  it('sized for the rows expected, hold fewer, as many, and more, as a Map does', () => {
    for (const expected of [0, 1, 3, 5_000]) {
      const t = new RefundTable(expected) as unknown as Map<Key, unknown>;
      const m = new Map<Key, unknown>();
      for (let n = 1; n <= 6_000; n += 7) {
        const row = { key: `rf-${n}`, refundType: n % 3, amount: n, status: 'PENDING', requestedAt: n / 2, reason: undefined };
        t.set(`rf-${n}`, row);
        m.set(`rf-${n}`, row);
      }
      expect(t.size).toBe(m.size);
      expect(sorted(t)).toEqual(sorted(m));
    }
  });

  it('give back ledger and document rows field for field, and keep what they cannot encode', () => {
    const ledger = new LedgerTable();
    const row = { refundId: 'rf-3', status: 'DISBURSED' as const, amount: 120, refundType: 2, lock: 'refund-type-2', token: 9, reason: undefined };
    ledger.set('rf-3', row);
    expect(ledger.get('rf-3')).toStrictEqual(row);
    const odd = { refundId: 'rf-4', status: 'DISBURSED' as const, amount: 1, refundType: 1, lock: 'refund-type-1', token: 1 }; // no reason field (the 2PC design's rows)
    ledger.set('rf-4', odd as never);
    expect(ledger.get('rf-4')).toStrictEqual(odd);
    const docs = new DocumentTable();
    docs.set('rf-7', { refundId: 'rf-7', amount: 5, requestedAt: 1.5 });
    docs.set('doc-1', { refundId: 'rf-7', amount: 5, requestedAt: 1.5 }); // a buggy CS numbering documents
    expect(docs.size).toBe(2);
    expect(docs.get('doc-1')).toEqual({ refundId: 'rf-7', amount: 5, requestedAt: 1.5 });
  });

  it('roll back through the store like any table, and numbers keys only in the form rf-<n>', () => {
    const store = new SimStore('rms');
    store.useTable('refunds', new RefundTable());
    const a = { key: 'rf-1', refundType: 1, amount: 10, status: 'PENDING', requestedAt: 0, reason: undefined };
    store.put('refunds', 'rf-1', a);
    store.commit();
    store.put('refunds', 'rf-1', { ...a, status: 'DISBURSED' });
    store.insertIfAbsent('refunds', 'rf-2', a);
    store.rollback();
    expect(store.get('refunds', 'rf-1')).toEqual(a);
    expect(store.has('refunds', 'rf-2')).toBe(false);
    expect(refundNumber('rf-12')).toBe(12);
    for (const k of ['rf-', 'rf-0', 'rf-012', 'rf-1a', 'x-1', 'rf-99999999999999999']) expect(refundNumber(k)).toBe(-1);
  });

  it('refuse to replace a table that already has rows', () => {
    const store = new SimStore('cs');
    store.put('documents', 'rf-1', { refundId: 'rf-1', amount: 1, requestedAt: 0 });
    expect(() => store.useTable('documents', new DocumentTable())).toThrow(/already has rows/);
  });
});
