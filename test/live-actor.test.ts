// The live host of a behaviour, without a broker or a database: a stand-in node and
// store. Crashes (a refused commit, a throwing behaviour, a crash point) go through
// nact's supervision and restart the actor from its durable state.
import { afterEach, describe, expect, it } from 'vitest';
import { start, stop } from 'nact';
import { LiveActor } from '../runtime/live/live-actor.js';
import { CommitRefused } from '../runtime/live/pg-store.js';
import { SimStore, type WriteRecord } from '../runtime/sim/store.js';
import { Metrics } from '../runtime/sim/metrics.js';
import type { Behaviour } from '../runtime/contract.js';
import type { LiveNode, SharedStore } from '../runtime/live/node.js';

const systems: ReturnType<typeof start>[] = [];
afterEach(() => systems.splice(0).forEach((s) => stop(s)));

function fakeNode(crashAt?: string) {
  const system = start();
  systems.push(system);
  const sent: unknown[] = [];
  const node = {
    index: 0, system, metrics: new Metrics(), stopped: false, logs: [] as string[], errors: [] as unknown[],
    nowMs: () => 0, log(l: string) { this.logs.push(l); }, actorError(_a: string, e: unknown) { this.errors.push(e); },
    refOf: () => 0, route: (_to: unknown, msg: unknown) => void sent.push(msg), count() {},
    produce: () => Promise.resolve(), crashPointFires: (_a: string, p: string) => p === crashAt,
  };
  return { node: node as unknown as LiveNode & { logs: string[] }, sent };
}

/** A store whose commits are refused while `refuse` says so; reload() restores what was committed. */
function fakeStore(refuse: (writes: readonly WriteRecord[]) => boolean) {
  const committed = new Map<string, unknown>();
  const mirror = new SimStore('s');
  const store = {
    mirror, sharedAcrossProcesses: false, reloads: 0,
    commit(writes: readonly WriteRecord[]) {
      if (refuse(writes)) return Promise.reject(new CommitRefused('conflict', 'changed by another writer'));
      for (const w of writes) committed.set(`${w.table}/${String(w.key)}`, w.next);
      return Promise.resolve();
    },
    async reload() {
      this.reloads++;
      mirror.rollback();
      mirror.table('t').clear();
      for (const [k, v] of committed) mirror.table('t').set(k.slice(2), v);
    },
    refresh: () => Promise.resolve(),
  };
  return store;
}

interface S { seen: string[]; starts: boolean[] }
const counter: Behaviour<S, { type: string; n?: number }> = {
  init: () => ({ seen: [], starts: [] }),
  receive(s, msg, ctx) {
    if (msg.type === '$started') s.starts.push((msg as unknown as { restart: boolean }).restart);
    if (msg.type === 'add') {
      ctx.store.put('t', 'count', (ctx.store.get<number>('t', 'count') ?? 0) + 1);
      ctx.send('out', { type: 'before', n: msg.n });
      ctx.crashPoint('after-send');
      ctx.send('out', { type: 'after', n: msg.n });
      s.seen.push(`add${msg.n}`);
    }
    if (msg.type === 'boom') {
      ctx.store.put('t', 'count', 99);
      throw new Error('a bug in the behaviour');
    }
    return s;
  },
};

const settle = () => new Promise((r) => setTimeout(r, 400));

describe('the live host of a behaviour', () => {
  it('a refused commit restarts the actor through supervision: volatile state gone, durable state reloaded, nothing sent', async () => {
    let refuseNext = false;
    const store = fakeStore(() => refuseNext);
    const { node, sent } = fakeNode();
    const a = new LiveActor(node, 'counter', 1, counter, store as unknown as SharedStore, 1);
    a.start();
    await a.deliverAndWait({ type: 'add', n: 1 });
    refuseNext = true;
    await a.deliverAndWait({ type: 'add', n: 2 });
    refuseNext = false;
    await settle();
    expect(a.crashes).toBe(1);
    expect(store.reloads).toBe(1);
    expect((a.state as S).starts).toEqual([true]); // a new incarnation: started again, as a restart
    expect(store.mirror.get('t', 'count')).toBe(1); // the refused write is not in the reloaded mirror
    expect(sent).toEqual([{ type: 'before', n: 1 }, { type: 'after', n: 1 }]); // the refused message sent nothing
    expect(node.logs.join('\n')).toMatch(/counter crashed \(commit refused/);
    await a.deliverAndWait({ type: 'add', n: 3 });
    expect(store.mirror.get('t', 'count')).toBe(2);
  });

  it('a crash point performs the effects requested before it, not those after, then restarts', async () => {
    const store = fakeStore(() => false);
    const { node, sent } = fakeNode('after-send');
    const a = new LiveActor(node, 'counter', 1, counter, store as unknown as SharedStore, 1);
    a.start();
    await a.deliverAndWait({ type: 'add', n: 1 });
    await settle();
    expect(sent).toEqual([{ type: 'before', n: 1 }]);
    expect(a.crashes).toBe(1);
    expect(store.mirror.get('t', 'count')).toBe(1); // written before the point: committed
  });

  it('a behaviour that throws crashes its actor; its writes are undone; the error is reported', async () => {
    const store = fakeStore(() => false);
    const { node } = fakeNode();
    const a = new LiveActor(node, 'counter', 1, counter, store as unknown as SharedStore, 1);
    a.start();
    await a.deliverAndWait({ type: 'add', n: 1 });
    await a.deliverAndWait({ type: 'boom' });
    expect(store.mirror.get('t', 'count')).toBe(1);
    await settle();
    expect(a.crashes).toBe(1);
    expect(store.mirror.get('t', 'count')).toBe(1);
    expect((node as unknown as { errors: Error[] }).errors[0].message).toBe('a bug in the behaviour');
  });

  it('drops timers and queued messages of a dead incarnation', async () => {
    let fired = 0;
    const timerBehaviour: Behaviour<null, { type: string }> = {
      init: () => null,
      receive(s, msg, ctx) {
        if (msg.type === 'arm') ctx.setTimer(150, { type: 'ring' });
        if (msg.type === 'ring') fired++;
        if (msg.type === 'boom') throw new Error('x');
        return s;
      },
    };
    const { node } = fakeNode();
    const a = new LiveActor(node, 't', 1, timerBehaviour, fakeStore(() => false) as unknown as SharedStore, 1);
    a.start();
    await a.deliverAndWait({ type: 'arm' });
    await a.deliverAndWait({ type: 'boom' });
    await settle();
    expect(fired).toBe(0);
  });
});
