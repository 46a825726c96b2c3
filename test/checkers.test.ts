import { describe, expect, it } from 'vitest';
import { EntityWatch, type EntityDecl } from '../checks/entity.js';
import { atMostOnce, exactlyOnePer, fencedWrites, sameSets } from '../checks/effects.js';
import { mergeByName } from '../checks/types.js';
import { versionsIncrease } from '../checks/versions.js';
import { loadOf, observed } from './helpers/observed.js';

// Every kit checker against histories written by hand: the correct one passes, and each
// way of breaking it is caught and names the key (negative controls the scenarios' bug
// zoos do not all reach).

const ORDER: EntityDecl = {
  name: 'order', store: 'api', table: 'orders', status: 'status',
  initial: ['NEW'], transitions: { NEW: ['PAID', 'FAILED'] }, terminal: { PAID: 'served', FAILED: 'shed' },
  reason: { field: 'reason', in: ['FAILED'] }, deadLetter: { topic: 'dlq', in: ['FAILED'] }, requestKey: 'request',
};

function orders(load = loadOf(2), records = { dlq: [{ offset: 0, key: 'o2', value: {} }] }) {
  const watch = new EntityWatch(ORDER);
  const w = observed(watch.checkers(), { entities: [watch], load, records });
  const put = (key: string, status: string, extra: Record<string, unknown> = {}) => w.store('api').put('orders', key, { request: key.replace('o', 'req-'), status, ...extra });
  return { ...w, watch, put, failed: () => w.check().filter((r) => !r.ok) };
}

describe('entity lifecycle (from one declaration: three invariants, completions, what is open)', () => {
  it('a lifecycle that follows its declaration passes, and completions are counted as they commit', () => {
    const o = orders();
    o.put('o1', 'NEW');
    o.put('o2', 'NEW');
    o.commit('api');
    expect(o.watch.open).toBe(2);
    o.put('o1', 'PAID');
    o.put('o2', 'FAILED', { reason: 'card declined' });
    o.commit('api');
    expect(o.failed()).toEqual([]);
    expect([o.watch.completed, o.watch.shed, o.watch.open]).toEqual([2, 1, 0]);
    expect(o.watch.countByStatus(o.obs)).toEqual({ NEW: 0, PAID: 1, FAILED: 1 });
  });

  it('catches a row created in a state that is not initial, and a move the declaration does not allow', () => {
    const o = orders();
    o.put('o1', 'PAID');
    o.put('o2', 'NEW');
    o.commit('api');
    o.put('o2', 'FAILED', { reason: 'x' });
    o.commit('api');
    o.put('o2', 'NEW');
    o.commit('api');
    o.put('o2', 'FAILED', { reason: 'x' });
    o.commit('api');
    const lifecycle = o.check()[0];
    expect(lifecycle.name).toBe('order-lifecycle');
    expect(lifecycle.examples.map((e) => [e.key, e.message])).toEqual([['o1', 'created as PAID'], ['o2', 'moved FAILED -> NEW, which is not a declared transition']]);
  });

  it('after the drain: an entity not ended, ended without its reason, or missing from the dead-letter topic', () => {
    const o = orders(loadOf(3), { dlq: [] });
    o.put('o1', 'NEW');
    o.put('o2', 'FAILED');
    o.put('o3', 'FAILED', { reason: 'declined' });
    o.commit('api');
    const settled = o.check()[1];
    expect(settled.name).toBe('no-lost-order');
    expect(settled.examples.map((e) => `${e.key}: ${e.message}`)).toEqual([
      'o1: still NEW after the drain', 'o2: FAILED without a reason', 'o2: FAILED but not on the dead-letter topic dlq', 'o3: FAILED but not on the dead-letter topic dlq',
    ]);
  });

  it('a request the caller was told was created, with no entity for it, is lost', () => {
    const o = orders(loadOf(3, [3]));
    o.put('o1', 'PAID');
    o.commit('api');
    const settled = o.check()[1];
    expect(settled.examples.map((e) => e.key)).toEqual(['req-2']); // req-3 was answered "not created"
  });

  it('one entity per request: a retry under a fresh key that made a second entity is caught', () => {
    const o = orders();
    o.put('o1', 'PAID');
    o.store('api').put('orders', 'o1-again', { request: 'req-1~r1', status: 'PAID' });
    o.put('o2', 'PAID');
    o.commit('api');
    const one = o.check()[2];
    expect(one.name).toBe('one-order-per-request');
    expect(one.examples.map((e) => [e.key, e.message])).toEqual([['req-1', '2 orders for one request']]);
  });
});

describe('at most once', () => {
  const ledger = (effectPerWrite: boolean) => {
    const c = atMostOnce({ name: 'once', effects: { store: 'ds', table: 'ledger', where: (r: { status: string }) => r.status === 'PAID', keyOf: (r: { id: string }) => r.id }, effectPerWrite });
    const w = observed([c]);
    const pay = (tableKey: string, id: string, status = 'PAID') => w.store('ds').put('ledger', tableKey, { id, status });
    return { ...w, c, pay, result: () => w.check()[0] };
  };

  it('one effect per key, under its own key or another, passes', () => {
    const l = ledger(true);
    l.pay('k1', 'k1');
    l.pay('batch-9/k2', 'k2');
    l.commit('ds');
    expect(l.result().ok).toBe(true);
    expect(l.c.effects).toBe(2);
  });

  it('an effect row written again is a second act when each write is one (a ledger), and only then', () => {
    const l = ledger(true);
    l.pay('k1', 'k1');
    l.commit('ds');
    l.pay('k1', 'k1');
    l.commit('ds');
    expect(l.result().examples.map((e) => e.key)).toEqual(['k1']);
    const updates = ledger(false);
    updates.pay('k1', 'k1');
    updates.commit('ds');
    updates.store('ds').put('ledger', 'k1', { id: 'k1', status: 'PAID', note: 'receipt sent' });
    updates.commit('ds');
    expect(updates.result().ok).toBe(true); // an update of an effect row is not a second effect
  });

  it('an effect undone (deleted, or overwritten with a non-effect) is caught as it commits', () => {
    for (const undo of ['delete', 'overwrite']) {
      const l = ledger(false);
      l.pay('k1', 'k1');
      l.commit('ds');
      if (undo === 'delete') l.store('ds').delete('ledger', 'k1');
      else l.pay('k1', 'k1', 'REFUNDED');
      l.commit('ds');
      expect(l.result().ok, undo).toBe(false);
    }
  });

  it('two effects for one key under other keys, or one there and one under its own, are caught after the drain', () => {
    const l = ledger(false);
    l.pay('a/k1', 'k1');
    l.pay('b/k1', 'k1');
    l.pay('k2', 'k2');
    l.pay('c/k2', 'k2');
    l.commit('ds');
    expect(l.result().examples.map((e) => [e.key, e.message])).toEqual([['k1', '2 ledgers for one key'], ['k2', '2 ledgers for one key']]);
  });
});

describe('exactly one effect per entity in a state', () => {
  const docs = () => {
    const c = exactlyOnePer({
      name: 'one-doc', effects: { store: 'cs', table: 'docs', keyOf: (d: { id: string }) => d.id, noun: 'document' },
      per: { store: 'api', table: 'orders', where: (o: { status: string }) => o.status === 'PAID', noun: 'paid order' },
    });
    const w = observed([c]);
    w.store('api').put('orders', 'o1', { status: 'PAID' });
    w.store('api').put('orders', 'o2', { status: 'PAID' });
    w.store('api').put('orders', 'o3', { status: 'FAILED' });
    return { ...w, doc: (key: string, id: string) => w.store('cs').put('docs', key, { id }), result: () => w.check()[0] };
  };

  it('one document for each paid order passes', () => {
    const d = docs();
    d.doc('o1', 'o1');
    d.doc('o2', 'o2');
    expect(d.result().ok).toBe(true);
  });

  it('a paid order with none, one with two, and a document for an order not paid are each caught', () => {
    const d = docs();
    d.doc('o1', 'o1');
    d.doc('doc-7', 'o1');
    d.doc('o3', 'o3');
    expect(d.result().examples.map((e) => `${e.key}: ${e.message}`)).toEqual([
      'o3: a document for something that is not a paid order', 'o1: paid order with 2 documents', 'o2: paid order with 0 documents',
    ]);
  });
});

describe('same sets', () => {
  const sets = (subset: boolean) => {
    const c = sameSets({ name: 'same', subset, a: { store: 's', table: 'a', noun: 'charge' }, b: { store: 's', table: 'b', keyOf: (r: { id: string }) => r.id, noun: 'receipt' } });
    const w = observed([c]);
    return { ...w, result: () => w.check()[0] };
  };

  it('equal sets pass, whatever keys the rows are stored under', () => {
    const s = sets(false);
    s.store('s').put('a', 'x', {});
    s.store('s').put('b', 'r-1', { id: 'x' });
    expect(s.result().ok).toBe(true);
  });

  it('a key on one side only is caught; as a subset, only the first side must be covered', () => {
    for (const subset of [false, true]) {
      const s = sets(subset);
      s.store('s').put('a', 'x', {});
      s.store('s').put('b', 'y', { id: 'y' });
      expect(s.result().examples.map((e) => e.message), String(subset)).toEqual(subset ? ['a charge with no receipt'] : ['a charge with no receipt', 'a receipt with no charge']);
    }
  });
});

describe('tables keyed by numbers (review of 2026-12-04: every row was reported missing)', () => {
  const numbered = (invoices: number[]) => {
    const checkers = [
      sameSets({ name: 'same', a: { store: 'db', table: 'orders' }, b: { store: 'db', table: 'invoices' } }),
      exactlyOnePer({ name: 'one', effects: { store: 'db', table: 'invoices', noun: 'invoice' }, per: { store: 'db', table: 'orders', noun: 'order' } }),
      atMostOnce({ name: 'once', effects: { store: 'db', table: 'invoices', keyOf: (r: { order: number }) => String(r.order), noun: 'invoice' } }),
    ];
    const w = observed(checkers);
    for (const n of [1, 2]) w.store('db').put('orders', n, { status: 'PAID' });
    for (const n of invoices) w.store('db').put('invoices', n, { order: n });
    w.commit('db');
    return w.check();
  };

  it('rows under 1 and 2 are the rows of keys "1" and "2": a correct pair passes every checker', () => {
    expect(numbered([1, 2]).filter((r) => !r.ok)).toEqual([]);
  });

  it('and a missing or doubled one is still caught, named by its key', () => {
    const [same, one] = numbered([1]);
    expect(same.examples.map((e) => `${e.key}: ${e.message}`)).toEqual(['2: a orders with no invoices']);
    expect(one.examples.map((e) => `${e.key}: ${e.message}`)).toEqual(['2: order with 0 invoices']);
    const w = observed([atMostOnce({ name: 'once', effects: { store: 'db', table: 'invoices', keyOf: (r: { order: number }) => String(r.order), noun: 'invoice' } })]);
    w.store('db').put('invoices', 1, { order: 1 });
    w.store('db').put('invoices', 'copy-of-1', { order: 1 });
    w.commit('db');
    expect(w.check()[0].examples.map((e) => `${e.key}: ${e.message}`)).toEqual(['1: 2 invoices for one key']);
  });
});

describe('fenced writes', () => {
  const fenced = () => {
    const c = fencedWrites({ name: 'fencing', writes: { store: 'ds', table: 'ledger' }, lockOf: (r: { lock: string }) => r.lock, tokenOf: (r: { token: number }) => r.token, lockService: 'locks' });
    const w = observed([c]);
    const grant = (token: number) => {
      w.store('locks').put('locks', 'L', { token, released: false });
      w.commit('locks');
    };
    const write = (key: string, token: number) => {
      w.store('ds').put('ledger', key, { lock: 'L', token });
      w.commit('ds');
    };
    return { ...w, grant, write, result: () => w.check()[0] };
  };

  it('writes under granted tokens that never go down pass; a release is not a grant', () => {
    const f = fenced();
    f.grant(1);
    f.write('a', 1);
    f.store('locks').put('locks', 'L', { token: 1, released: true });
    f.commit('locks');
    f.grant(2);
    f.write('b', 2);
    expect(f.result().ok).toBe(true);
  });

  it('a write under a token never granted, or after a newer holder wrote, is caught', () => {
    const f = fenced();
    f.grant(1);
    f.grant(2);
    f.write('a', 2);
    f.write('b', 1);
    f.write('c', 7);
    expect(f.result().examples.map((e) => e.key)).toEqual(['b', 'c']);
  });
});

describe('versions increase (optimistic locking)', () => {
  const versions = (everyWrite?: boolean) => {
    const w = observed([versionsIncrease({ name: 'versions', store: 'api', table: 'orders', everyWrite, noun: 'order' })]);
    const put = (key: string, version: number, status: string) => {
      w.store('api').put('orders', key, { status, version });
      w.commit('api');
    };
    return { put, failed: () => w.check().filter((r) => !r.ok) };
  };

  it('passes rows whose version rises with every write', () => {
    const v = versions();
    v.put('o1', 1, 'CREATED');
    v.put('o1', 2, 'PENDING');
    v.put('o1', 3, 'PAID');
    v.put('o2', 1, 'CREATED');
    expect(v.failed()).toEqual([]);
  });

  it('catches a version that goes back, and a write that does not move it (a lost update)', () => {
    const back = versions();
    back.put('o1', 2, 'PENDING');
    back.put('o1', 1, 'CREATED');
    expect(back.failed()[0].examples[0]).toMatchObject({ key: 'o1', message: expect.stringMatching(/went back from 2 to 1/) });
    const stuck = versions();
    stuck.put('o1', 2, 'PENDING');
    stuck.put('o1', 2, 'PAID');
    expect(stuck.failed()[0].examples[0]).toMatchObject({ key: 'o1', message: expect.stringMatching(/without its version moving/) });
    // Only never falling, when asked for no more.
    const lax = versions(false);
    lax.put('o1', 2, 'PENDING');
    lax.put('o1', 2, 'PAID');
    expect(lax.failed()).toEqual([]);
  });
});

describe('results that share a name', () => {
  it('report as one invariant: held only if every part held, violations added', () => {
    const ok = { name: 'x', description: 'one', ok: true, violations: 0, examples: [] };
    const bad = { name: 'x', description: 'two', ok: false, violations: 2, examples: [{ invariant: 'x', key: 'k', message: 'm' }] };
    expect(mergeByName([ok, bad, { ...ok, name: 'y' }])).toEqual([
      { name: 'x', description: 'one; two', ok: false, violations: 2, examples: bad.examples },
      { ...ok, name: 'y' },
    ]);
  });
});
