import { describe, expect, it } from 'vitest';
import { acceptedReachSink, distinctKeys, lateDropsJustified, totalsMatch } from '../checks/streams.js';
import { loadOf, observed } from './helpers/observed.js';

// The kit's stream checkers against tables written by hand: a correct sink passes, and
// each way of breaking it is caught and names the key (negative controls).

const MIN = 60_000;
const source = { store: 'producer', table: 'accepted', noun: 'accepted payment' };
const sink = { store: 'sink', table: 'rows', keyOf: (r: { tx: string }) => r.tx, noun: 'sink' };
const dropped = { store: 'job', table: 'dropped', noun: 'dropped as late' };

function pipeline(notCreated: number[] = []) {
  const checkers = [
    distinctKeys({ name: 'distinct', rows: sink }),
    acceptedReachSink({ name: 'reach', sink, excused: dropped }),
    lateDropsJustified({ name: 'late', events: source, eventTimeOf: (r: { t: number }) => r.t, dropped, witnessOf: (d: { witness: string }) => d.witness, allowedLatenessMs: 60 * MIN }),
    totalsMatch({ name: 'totals', source, sink, valueOf: (r: { amount: number }) => r.amount, unit: 'cents' }),
  ];
  const w = observed(checkers, { load: loadOf(4, notCreated, 'tx') });
  // tx-1..tx-4 accepted; tx-3 was 90 min late, tx-4 the latest event.
  const times = [0, 10 * MIN, -90 * MIN, 20 * MIN];
  times.forEach((t, i) => w.store('producer').put('accepted', `tx-${i + 1}`, { t, amount: 100 * (i + 1) }));
  w.commit('producer');
  let row = 0;
  const land = (tx: string, amount: number) => w.store('sink').put('rows', ++row, { tx, amount });
  const drop = (tx: string, witness: string) => w.store('job').put('dropped', tx, { witness });
  const failed = () => {
    w.commit('sink');
    w.commit('job');
    return Object.fromEntries(w.check().filter((r) => !r.ok).map((r) => [r.name, r.examples.map((e) => `${e.key}: ${e.message}`)]));
  };
  /** Lands each [transaction, amount] in order. */
  const landAll = (rows: readonly (readonly [string, number])[]) => rows.forEach(([tx, amount]) => land(tx, amount));
  return { land, landAll, drop, failed };
}

describe('stream checkers', () => {
  it('a sink with every accepted event once, and a drop that really was late, passes', () => {
    const p = pipeline();
    p.landAll([['tx-1', 100], ['tx-2', 200], ['tx-4', 400]]);
    p.drop('tx-3', 'tx-4');
    expect(p.failed()).toEqual({});
  });

  it('a transaction twice in the sink: distinct and the totals both name it', () => {
    const p = pipeline();
    p.landAll([['tx-1', 100], ['tx-2', 200], ['tx-2', 200], ['tx-4', 400]]);
    p.drop('tx-3', 'tx-4');
    expect(p.failed()).toEqual({ distinct: ['tx-2: 2 rows for one key in the sink'], totals: ['tx-2: 400 cents in the sink against 200 cents in the accepted payment'] });
  });

  it('an accepted event missing, and not dropped: lost', () => {
    const p = pipeline();
    p.landAll([['tx-1', 100], ['tx-4', 400]]);
    p.drop('tx-3', 'tx-4');
    expect(p.failed()).toEqual({ reach: ['tx-2: the caller was told it was accepted; it is not in the sink and was not dropped as late'] });
  });

  it('a request the caller was not told was accepted may be missing', () => {
    const p = pipeline([2]);
    p.landAll([['tx-1', 100], ['tx-4', 400]]);
    p.drop('tx-3', 'tx-4');
    expect(p.failed()).toEqual({});
  });

  it('a drop that was not late enough, behind a witness nobody sent, or of an event nobody sent', () => {
    const p = pipeline();
    p.landAll([['tx-1', 100], ['tx-4', 400]]);
    p.drop('tx-2', 'tx-4'); // 10 min behind: within the hour promised
    p.drop('tx-3', 'tx-9');
    p.drop('tx-7', 'tx-4');
    expect(p.failed()).toEqual({
      late: [
        'tx-2: dropped as late, but only 10 min behind "tx-4" (the pipeline promises to keep events up to 60 min late)',
        'tx-3: dropped as late behind "tx-9", which is no accepted payment',
        'tx-7: dropped as late, but no accepted payment has this key',
      ],
    });
  });

  it('an amount changed on its way, and a row of a key nobody sent', () => {
    const p = pipeline();
    p.landAll([['tx-1', 100], ['tx-2', 250], ['tx-4', 400], ['tx-8', 5]]);
    p.drop('tx-3', 'tx-4');
    expect(p.failed()).toEqual({ totals: ['tx-2: 250 cents in the sink against 200 cents in the accepted payment', 'tx-8: 5 cents in the sink, and no accepted payment has this key'] });
  });

  it('a witness stamped ahead of its arrival counts only up to the later arrival plus the clock error', () => {
    const late = lateDropsJustified({
      name: 'late', events: source, eventTimeOf: (r: { t: number }) => r.t, dropped, witnessOf: (d: { witness: string }) => d.witness,
      allowedLatenessMs: 60 * MIN, arrivedAtOf: (r: { at: number }) => r.at, maxClockErrorMs: 5 * MIN,
    });
    const w = observed([late], { load: loadOf(4, [], 'tx') });
    // tx-1 arrived at 0 stamped 2 h ahead (a fast clock); tx-2 on time at 30 min; tx-3 arrived at 40 min, 90 min late; tx-4 on time at 50 min.
    const rows = [[120 * MIN, 0], [30 * MIN, 30 * MIN], [-50 * MIN, 40 * MIN], [50 * MIN, 50 * MIN]];
    rows.forEach(([t, at], i) => w.store('producer').put('accepted', `tx-${i + 1}`, { t, at, amount: 1 }));
    w.commit('producer');
    for (const tx of ['tx-2', 'tx-3', 'tx-4']) w.store('job').put('dropped', tx, { witness: 'tx-1' });
    w.commit('job');
    // tx-3 really was late (behind tx-1's credible 45 min by 95 min); the on-time ones were not.
    expect(w.check()[0].examples.map((e) => `${e.key}: ${e.message}`)).toEqual([
      'tx-2: dropped as late, but only 5 min behind "tx-1" (stamped 120 min ahead of its arrival: its clock was wrong) (the pipeline promises to keep events up to 60 min late)',
      'tx-4: dropped as late, but only 5 min behind "tx-1" (stamped 120 min ahead of its arrival: its clock was wrong) (the pipeline promises to keep events up to 60 min late)',
    ]);
  });

  it('a sink row under the key of a retry minted afresh counts for the request it stands for', () => {
    const w = observed([acceptedReachSink({ name: 'reach', sink })], { load: loadOf(2, [], 'tx') });
    w.store('sink').put('rows', 1, { tx: 'tx-1' });
    w.store('sink').put('rows', 2, { tx: 'tx-2~retry-1' });
    w.commit('sink');
    expect(w.check()[0].ok).toBe(true);
  });
});
