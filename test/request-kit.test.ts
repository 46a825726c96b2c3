// The kit's request/response pieces as values: calls with a correlation id and a timeout,
// a local cache with a TTL counted from the ask, a load balancer, a query time with a
// floor; and the two checkers they come with (bounded staleness, Retry-After honoured),
// each with negative controls: what a correct caller does passes, each way of breaking
// it is caught and names the key.
import { describe, expect, it } from 'vitest';
import { PendingCalls, type CallTimeout } from '../actors/calls.js';
import { TtlCache } from '../actors/ttl-cache.js';
import { loadBalancer } from '../actors/load-balancer.js';
import { shiftedExponentialMs } from '../runtime/sim/service-time.js';
import { Prng } from '../runtime/sim/prng.js';
import { staleReadsBounded } from '../checks/freshness.js';
import { grantsWithinLimit, retryAfterHonoured } from '../checks/throttling.js';
import { snapshotsMatchReplay } from '../checks/event-sourcing.js';
import type { Context } from '../runtime/contract.js';

function fakeContext(random = () => 0.5) {
  let now = 0;
  let timer = 0;
  const sent: { to: unknown; msg: any }[] = [];
  const timers = new Map<number, unknown>();
  const counts: Record<string, number> = {};
  const observed: Record<string, number[]> = {};
  const ctx = {
    selfName: 'caller',
    ref: () => 7,
    now: () => now,
    random,
    send: (to: unknown, msg: unknown) => void sent.push({ to, msg }),
    setTimer: (_ms: number, msg: unknown) => (timers.set(++timer, msg), timer),
    cancelTimer: (id: number) => void timers.delete(id),
    count: (name: string, by = 1) => void (counts[name] = (counts[name] ?? 0) + by),
    observe: (name: string, ms: number) => void (observed[name] ??= []).push(ms),
  } as unknown as Context;
  return { ctx, sent, timers, counts, observed, at: (t: number) => void (now = t) };
}

describe('PendingCalls', () => {
  it('settles an answer once, by its correlation id, with the latency; a late or unknown answer settles nothing', () => {
    const f = fakeContext();
    const calls = new PendingCalls<string>(f.ctx);
    const id = calls.call(f.ctx, 'ledger', (callId, replyTo) => ({ type: 'debit', callId, replyTo }), 300, 'payment-1');
    expect(f.sent[0]).toEqual({ to: 'ledger', msg: { type: 'debit', callId: id, replyTo: 7 } });
    expect(f.timers.size).toBe(1);
    f.at(40);
    expect(calls.answered(f.ctx, id)).toEqual({ payload: 'payment-1', ms: 40 });
    expect(f.timers.size).toBe(0);
    expect(f.observed['call:ledger']).toEqual([40]);
    expect(calls.answered(f.ctx, id)).toBeUndefined();
    expect(f.counts['call.lateAnswers']).toBe(1);
  });

  it('a timed-out call is handed back once, and its answer arriving after that is ignored', () => {
    const f = fakeContext();
    const calls = new PendingCalls<string>(f.ctx);
    const id = calls.call(f.ctx, 'ledger', (callId, replyTo) => ({ callId, replyTo }), 300, 'p');
    const timeout = [...f.timers.values()][0] as CallTimeout;
    expect(calls.timedOut(f.ctx, timeout)).toBe('p');
    expect(calls.timedOut(f.ctx, timeout)).toBeUndefined();
    expect(calls.answered(f.ctx, id)).toBeUndefined();
    expect(f.counts['call.ledger.timeouts']).toBe(1);
    expect(calls.size).toBe(0);
  });

  it('a refusal ($rejected with the original message) settles the call it refused', () => {
    const f = fakeContext();
    const calls = new PendingCalls<number>(f.ctx);
    calls.call(f.ctx, 'acquirer', (callId, replyTo) => ({ type: 'quote', callId, replyTo }), 300, 42);
    expect(calls.rejected(f.ctx, f.sent[0].msg)).toMatchObject({ payload: 42 });
    expect(calls.rejected(f.ctx, { type: 'quote' })).toBeUndefined();
    // A permit request carries the call's id as `id`.
    calls.call(f.ctx, 'quota', (callId, replyTo) => ({ type: 'permit-request', id: callId, replyTo }), 300, 7);
    expect(calls.rejected(f.ctx, f.sent[1].msg)).toMatchObject({ payload: 7 });
    expect(f.counts['call.acquirer.rejected']).toBe(1);
  });

  it('ids of a restarted caller (a new epoch) never settle the previous incarnation\'s calls', () => {
    const draws = [0.1, 0.9];
    const f = fakeContext(() => draws.shift()!);
    const before = new PendingCalls<string>(f.ctx);
    const old = before.call(f.ctx, 'ledger', (callId, replyTo) => ({ callId, replyTo }), 300, 'old');
    const after = new PendingCalls<string>(f.ctx);
    const fresh = after.call(f.ctx, 'ledger', (callId, replyTo) => ({ callId, replyTo }), 300, 'new');
    expect(fresh).not.toBe(old);
    expect(after.answered(f.ctx, old)).toBeUndefined();
    expect(after.answered(f.ctx, fresh)?.payload).toBe('new');
  });
});

describe('TtlCache', () => {
  it('expires an entry a TTL (plus its drawn jitter) after the value was asked for, not after it arrived', () => {
    const c = new TtlCache<string, number>({ ttlMs: 1_000, jitterMs: 200 });
    c.set('rule', 3, 500, () => 0.5); // asked at 500, expires at 1,600
    expect(c.get('rule', 1_599)).toBe(3);
    expect(c.get('rule', 1_600)).toBeUndefined();
    expect(c.maxAgeMs).toBe(1_200);
    c.set('rule', 4, 0, () => 0.5);
    expect(c.evict('rule')).toBe(true);
    expect(c.get('rule', 1)).toBeUndefined();
  });

  it('without a TTL an entry lives until it is evicted', () => {
    const c = new TtlCache<string, number>({});
    c.set('rule', 1, 0, () => 0);
    expect(c.get('rule', 1e12)).toBe(1);
    expect(c.maxAgeMs).toBe(Infinity);
    expect(() => new TtlCache({ ttlMs: -1 })).toThrow();
  });
});

describe('loadBalancer', () => {
  it('forwards each message as it is, round robin or by key hash', () => {
    const f = fakeContext();
    const rr = loadBalancer({ targets: ['a', 'b', 'c'] });
    let s = rr.init(f.ctx);
    for (let i = 0; i < 6; i++) s = rr.receive(s, { type: 'pay', key: `k${i}`, replyTo: 1 } as never, f.ctx);
    expect(f.sent.map((x) => x.to)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(f.sent[0].msg).toEqual({ type: 'pay', key: 'k0', replyTo: 1 });
    const g = fakeContext();
    const sticky = loadBalancer({ targets: ['a', 'b', 'c'], pick: 'key-hash' });
    let t = sticky.init(g.ctx);
    for (const k of ['x', 'y', 'x', 'y', 'x']) t = sticky.receive(t, { type: 'pay', key: k } as never, g.ctx);
    expect(g.sent[0].to).toBe(g.sent[2].to);
    expect(g.sent[2].to).toBe(g.sent[4].to);
    expect(g.sent[1].to).toBe(g.sent[3].to);
    expect(() => loadBalancer({ targets: [] })).toThrow();
  });
});

describe('shiftedExponentialMs', () => {
  it('never goes below its floor, and its mean is the mean asked for', () => {
    const st = shiftedExponentialMs(70, 140) as (m: unknown, r: Prng) => number;
    const rng = new Prng(1);
    let sum = 0;
    let min = Infinity;
    for (let i = 0; i < 20_000; i++) {
      const x = st(null, rng);
      sum += x;
      min = Math.min(min, x);
    }
    expect(min).toBeGreaterThanOrEqual(70);
    expect(sum / 20_000).toBeGreaterThan(136);
    expect(sum / 20_000).toBeLessThan(144);
    expect(() => shiftedExponentialMs(10, 5)).toThrow();
  });
});

describe('staleReadsBounded', () => {
  const checker = () => staleReadsBounded({
    name: 'fresh',
    versions: { store: 'config', table: 'versions', versionOf: (r: { v: number }) => r.v },
    reads: { stores: ['pod-1', 'pod-2'], table: 'reads', valueOf: (r: { name: string }) => r.name, versionOf: (r: { v: number }) => r.v },
    maxStalenessMs: 1_000,
  });
  const version = (c: ReturnType<typeof checker>, v: number, t: number) => c.onCommit!('config', [{ table: 'versions', key: 'rule', prev: undefined, next: { v } }], t);
  const read = (c: ReturnType<typeof checker>, store: string, key: string, v: number, t: number) => c.onCommit!(store, [{ table: 'reads', key, prev: undefined, next: { name: 'rule', v } }], t);

  it('passes reads of the latest version, and of an older one within the bound of the newer one\'s write', () => {
    const c = checker();
    version(c, 1, 0);
    read(c, 'pod-1', 'a', 1, 500);
    version(c, 2, 1_000);
    read(c, 'pod-2', 'b', 1, 2_000); // exactly the bound
    read(c, 'pod-1', 'c', 2, 9_000);
    version(c, 2, 9_500); // the same version written again is not a new one
    read(c, 'pod-1', 'd', 1, 2_000);
    expect(c.check(null as never).ok).toBe(true);
    expect(c.reads).toBe(4);
  });

  it('names a read that served an older version past the bound, measured from the first newer version', () => {
    const c = checker();
    version(c, 1, 0);
    version(c, 2, 1_000);
    version(c, 3, 1_900);
    read(c, 'pod-2', 'late', 1, 2_001);
    read(c, 'other-store', 'ignored', 1, 9_000);
    const r = c.check(null as never);
    expect(r.ok).toBe(false);
    expect(r.violations).toBe(1);
    expect(r.examples[0].key).toBe('late');
    expect(r.examples[0].message).toMatch(/served version 1 of rule 1001 ms after version 2 was written \(bound 1000 ms; the latest then was 3\)/);
  });
});

describe('retryAfterHonoured', () => {
  const checker = () => retryAfterHonoured({
    name: 'retry-after',
    calls: { stores: ['pod-1', 'pod-2'], table: 'calls', callOf: (r: { call: string }) => r.call, retryAfterMsOf: (r: { after?: number }) => r.after },
  });
  let n = 0;
  const attempt = (c: ReturnType<typeof checker>, store: string, call: string, t: number) => c.onCommit!(store, [{ table: 'calls', key: `a${++n}`, prev: undefined, next: { call } }], t);
  const refused = (c: ReturnType<typeof checker>, store: string, call: string, after: number, t: number) => c.onCommit!(store, [{ table: 'calls', key: `r${++n}`, prev: undefined, next: { call, after } }], t);

  it('passes a caller that waits the Retry-After from when it was told, and attempts it made before it knew', () => {
    const c = checker();
    attempt(c, 'pod-1', 'q1', 0);
    attempt(c, 'pod-1', 'q1', 300); // sent after a timeout, before the late refusal came back
    refused(c, 'pod-1', 'q1', 1_000, 310);
    attempt(c, 'pod-1', 'q1', 1_310); // exactly when it may
    attempt(c, 'pod-1', 'q2', 320); // another call
    attempt(c, 'pod-2', 'q1', 320); // another caller's call of the same name
    expect(c.check(null as never).ok).toBe(true);
    expect(c.refusals).toBe(1);
  });

  it('names a call sent again inside its Retry-After, once however many attempts came early', () => {
    const c = checker();
    attempt(c, 'pod-1', 'q1', 0);
    refused(c, 'pod-1', 'q1', 1_000, 10);
    attempt(c, 'pod-1', 'q1', 11);
    attempt(c, 'pod-1', 'q1', 12);
    const r = c.check(null as never);
    expect(r.violations).toBe(1);
    expect(r.examples[0]).toMatchObject({ key: 'q1' });
    expect(r.examples[0].message).toMatch(/sent again 999 ms before the Retry-After/);
  });
});

describe('keyedLimiterService', () => {
  it('keeps a sliding window per key, tells the refused when to ask again, and rebuilds its windows from its grants after a restart', async () => {
    const { keyedLimiterService } = await import('../actors/keyed-limiter.js');
    const { SimStore } = await import('../runtime/sim/store.js');
    const store = new SimStore('ratelimit');
    const f = fakeContext();
    const ctx = { ...f.ctx, store } as unknown as Context;
    const b = keyedLimiterService({ maxCalls: 2, windowMs: 1_000 });
    let w = b.init(ctx);
    const ask = (key: string, t: number) => {
      f.at(t);
      w = b.receive(w, { type: 'permit-request', id: `${key}@${t}`, key, replyTo: 1 }, ctx);
      return f.sent[f.sent.length - 1].msg as { granted: boolean; retryAfterMs: number };
    };
    expect(ask('a', 0).granted).toBe(true);
    expect(ask('a', 100).granted).toBe(true);
    expect(ask('b', 150).granted).toBe(true); // another key, its own window
    expect(ask('a', 200)).toEqual(expect.objectContaining({ granted: false, retryAfterMs: 800 }));
    store.commit();
    // A restart: volatile windows gone, rebuilt from the store.
    w = b.init(ctx);
    expect(ask('a', 300).granted).toBe(false);
    expect(ask('a', 1_000).granted).toBe(true); // the grant at 0 slid out
    expect(() => keyedLimiterService({ maxCalls: 0, windowMs: 1 })).toThrow();
  });
});

describe('grantsWithinLimit', () => {
  const checker = () => grantsWithinLimit({ name: 'limit', grants: { stores: ['limiter', 'gw-1', 'gw-2'], table: 'grants', keyOf: (r: { key: string }) => r.key }, maxCalls: 2, windowMs: 1_000 });
  let n = 0;
  const grant = (c: ReturnType<typeof checker>, store: string, key: string, t: number) => c.onCommit!(store, [{ table: 'grants', key: `g${++n}`, prev: undefined, next: { key } }], t);

  it('passes a limit kept in any window, with the window sliding past old grants and their deletion not counted', () => {
    const c = checker();
    grant(c, 'limiter', 'ip-1', 0);
    grant(c, 'limiter', 'ip-1', 500);
    c.onCommit!('limiter', [{ table: 'grants', key: 'g1', prev: { key: 'ip-1' }, next: undefined }], 1_000);
    grant(c, 'limiter', 'ip-1', 1_000); // (0, 1000] holds 500 and 1000
    grant(c, 'limiter', 'ip-2', 1_000);
    expect(c.check(null as never).ok).toBe(true);
    expect(c.grants).toBe(4);
  });

  it('names a key let through too often, counting grants of every instance together', () => {
    const c = checker();
    grant(c, 'gw-1', 'ip-1', 0);
    grant(c, 'gw-2', 'ip-1', 10); // each instance kept its own limit of 2
    grant(c, 'gw-1', 'ip-1', 20);
    grant(c, 'gw-1', 'ip-1', 30);
    const r = c.check(null as never);
    expect(r.violations).toBe(1);
    expect(r.examples[0]).toMatchObject({ key: 'ip-1' });
    expect(r.examples[0].message).toMatch(/3 grants within 1000 ms \(the limit is 2\)/);
  });

  it('with admissions: every request the caller let through names a grant the limit store made (failing open is caught)', () => {
    const c = grantsWithinLimit({
      name: 'limit', grants: { stores: ['limiter'], table: 'grants', keyOf: (r: { key: string }) => r.key, idOf: (r: { id: string }) => r.id },
      maxCalls: 2, windowMs: 1_000, admissions: { stores: ['gw'], table: 'admitted', grantOf: (r: { grant: string }) => r.grant },
    });
    c.onCommit!('limiter', [{ table: 'grants', key: 'ip-1#0', prev: undefined, next: { key: 'ip-1', id: 'call-1' } }], 0);
    // The grant slides out of the window and its row goes: the admission still matches it.
    c.onCommit!('limiter', [{ table: 'grants', key: 'ip-1#0', prev: { key: 'ip-1', id: 'call-1' }, next: undefined }], 2_000);
    const obs = (rows: [string, { grant: string }][]) => ({ table: () => new Map(rows) }) as never;
    expect(c.check(obs([['req-1', { grant: 'call-1' }]])).ok).toBe(true);
    const r = c.check(obs([['req-1', { grant: 'call-1' }], ['req-2', { grant: 'none: the limit store did not answer' }]]));
    expect(r.ok).toBe(false);
    expect(r.examples[0]).toMatchObject({ key: 'req-2' });
    expect(() => grantsWithinLimit({ name: 'x', grants: { stores: [], table: 'g', keyOf: () => '' }, maxCalls: 1, windowMs: 1, admissions: { stores: [], table: 'a', grantOf: () => '' } })).toThrow(/idOf/);
  });
});

describe('a gauge\'s path', () => {
  it('keeps every change of a gauge that changes seldom, and gives up on one that changes all the time', async () => {
    const { Metrics, GAUGE_PATH_MAX } = await import('../runtime/sim/metrics.js');
    const m = new Metrics();
    m.gauge('breaker', 0, 0);
    m.gauge('breaker', 0, 5); // no change
    m.gauge('breaker', 2, 10);
    m.gauge('breaker', 1, 40);
    m.gauge('breaker', 0, 40.5);
    expect(m.gauges.get('breaker')).toEqual({ last: 0, max: 2, path: [0, 0, 10, 2, 40, 1, 40.5, 0] });
    for (let i = 0; i <= GAUGE_PATH_MAX + 1; i++) m.gauge('queue', i, i);
    expect(m.gauges.get('queue')?.path).toBeNull();
    m.gauge('untimed', 3);
    expect(m.gauges.get('untimed')?.path).toBeUndefined();
  });
});

describe('snapshotsMatchReplay', () => {
  type E = { s: string; v: number; add: number };
  const checker = () => snapshotsMatchReplay<{ total: number }, E>({
    name: 'snap',
    events: { store: 'es', table: 'events', streamOf: (e) => e.s, versionOf: (e) => e.v },
    snapshots: { store: 'es', table: 'snaps', streamOf: (r: { s: string }) => r.s, versionOf: (r: { v: number }) => r.v, stateOf: (r: { state: { total: number } }) => r.state },
    initial: () => ({ total: 0 }),
    apply: (st, e) => ({ total: st.total + e.add }),
  });
  const obs = (events: E[], snaps: { s: string; v: number; state: { total: number } }[]) => ({
    table: (_store: string, table: string) => new Map<string, unknown>(table === 'events' ? events.map((e) => [`${e.s}#${e.v}`, e]) : snaps.map((r) => [`${r.s}#${r.v}`, r])),
  }) as never;
  const events: E[] = [{ s: 'a', v: 1, add: 5 }, { s: 'a', v: 2, add: 3 }, { s: 'a', v: 3, add: -1 }, { s: 'b', v: 1, add: 2 }];

  it('passes snapshots that equal a full replay up to their version', () => {
    expect(checker().check(obs(events, [{ s: 'a', v: 2, state: { total: 8 } }, { s: 'b', v: 1, state: { total: 2 } }])).ok).toBe(true);
  });

  it('names a snapshot that differs, a gap, a snapshot past the stream, and one of no stream', () => {
    const wrong = checker().check(obs(events, [{ s: 'a', v: 2, state: { total: 5 } }]));
    expect(wrong.examples[0].message).toMatch(/snapshot at version 2 holds \{"total":5\}, a full replay gives \{"total":8\}/);
    const gap = checker().check(obs(events.filter((e) => e.v !== 2), []));
    expect(gap.examples[0]).toMatchObject({ key: 'a' });
    expect(gap.examples[0].message).toMatch(/numbered 3/);
    expect(checker().check(obs(events, [{ s: 'b', v: 4, state: { total: 2 } }])).examples[0].message).toMatch(/past the stream's last event/);
    expect(checker().check(obs(events, [{ s: 'c', v: 1, state: { total: 0 } }])).examples[0].message).toMatch(/no events/);
  });
});
