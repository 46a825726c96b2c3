// The kit's copiesAgree checker: copies of a thing in several stores agree, or none holds it
// and it was compensated; what a caller was told succeeded is not lost. Negative controls:
// each way copies can disagree is reported, and a compensation that left a copy behind is.
import { describe, expect, it } from 'vitest';
import { copiesAgree } from '../checks/copies.js';
import type { Observation } from '../checks/types.js';

type Row = { id: string; v: number };
const row = (id: string, v = 1): [string, Row] => [id, { id, v }];

function obs(tables: Record<string, [string, Row][]>, dead: string[] = [], created: string[] = [], logicalKeyOf = (k: string) => k): Observation {
  return {
    table: (store: string) => new Map(tables[store] ?? []),
    records: () => dead.map((id, offset) => ({ key: id, value: { writeId: id }, offset, partition: 0 })),
    load: {
      planned: created.length, offered: created.length, outstanding: 0, plannedMs: 0, metric: 'response', answers: {}, gaveUp: 0,
      waiting: () => [], keyOf: (n: number) => created[n - 1], numberOf: (k: string) => created.indexOf(k) + 1, created: () => true, logicalKeyOf,
    },
    counter: () => 0,
  } as unknown as Observation;
}

const checker = (acknowledged = false) => copiesAgree<Row>({
  name: 'agree',
  copies: [{ store: 'a', table: 'rows' }, { store: 'b', table: 'rows' }, { store: 'c', table: 'rows' }],
  idOf: (r) => r.id,
  valueOf: (r) => r.v,
  compensations: { topic: 'dlq', idOf: (v) => (v as { writeId: string }).writeId },
  acknowledged,
});

describe('copiesAgree', () => {
  it('holds when every store has each thing once and the same, or a compensated thing is nowhere', () => {
    const r = checker(true).check(obs({ a: [row('w1'), row('w2')], b: [row('w1'), row('w2')], c: [row('w1'), row('w2')] }, ['w3'], ['w1', 'w2', 'w3']));
    expect(r.ok).toBe(true);
  });

  it('reports a thing missing from one store and never compensated', () => {
    const r = checker().check(obs({ a: [row('w1')], b: [row('w1')], c: [] }));
    expect(r.ok).toBe(false);
    expect(r.examples[0].message).toBe('held by a, b but missing from c, and never compensated');
  });

  it('reports a compensated thing that a store still holds', () => {
    const r = checker().check(obs({ a: [row('w1')], b: [], c: [] }, ['w1']));
    expect(r.examples[0].message).toBe('compensated, yet still held by a');
  });

  it('reports a thing written twice to one store (rows keyed by call, grouped by the thing)', () => {
    const r = checker().check(obs({ a: [row('w1')], b: [['call-1', { id: 'w1', v: 1 }], ['call-2', { id: 'w1', v: 1 }]], c: [row('w1')] }));
    expect(r.examples[0].message).toBe('written more than once to b (2 rows)');
  });

  it('reports copies that differ in value', () => {
    const r = checker().check(obs({ a: [row('w1', 1)], b: [row('w1', 1)], c: [row('w1', 2)] }));
    expect(r.examples[0].message).toMatch(/^c hold a different value than a: 1 vs 2/);
  });

  it('reports what a caller was told succeeded when no store holds it and nothing compensated it', () => {
    expect(checker(true).check(obs({ a: [], b: [], c: [] }, [], ['w9'])).examples[0].message).toMatch(/told it succeeded, yet no store holds it/);
    // Not asked to judge the callers: silent about it.
    expect(checker(false).check(obs({ a: [], b: [], c: [] }, [], ['w9'])).ok).toBe(true);
  });

  it('matches a thing to its request by the logical key: a retry under a fresh key that alone reached the stores is not a loss', () => {
    const fresh = (k: string) => k.split('#')[0];
    const r = checker(true).check(obs({ a: [row('w1#r1')], b: [row('w1#r1')], c: [row('w1#r1')] }, [], ['w1'], fresh));
    expect(r.ok).toBe(true);
    // Without the mapping it would be read as lost: the control.
    expect(checker(true).check(obs({ a: [row('w1#r1')], b: [row('w1#r1')], c: [row('w1#r1')] }, [], ['w1'])).ok).toBe(false);
  });

  it('refuses fewer than two copies', () => {
    expect(() => copiesAgree({ copies: [{ store: 'a', table: 'rows' }] })).toThrow(/two copies/);
  });
});
