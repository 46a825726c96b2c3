// The live host of a behaviour, without a broker or a database: a stand-in node and
// store. Crashes (a refused commit, a throwing behaviour, a crash point) go through
// nact's supervision and restart the actor from its durable state.
import { afterEach, describe, expect, it } from 'vitest';
import { start, stop } from 'nact';
import { LiveActor } from '../runtime/live/live-actor.js';
import { onOurClock } from '../runtime/live/worker-pool.js';
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
    clock: 0, progressedAt: [] as number[], nowMs() { return this.clock; }, progressed() { this.progressedAt.push(this.clock); },
    log(l: string) { this.logs.push(l); }, actorError(_a: string, e: unknown) { this.errors.push(e); },
    refOf: () => 0, route: (_to: unknown, msg: unknown) => void sent.push(msg), count() {},
    produce: () => Promise.resolve(), crashPointFires: (_a: string, p: string) => p === crashAt,
  };
  return { node: node as unknown as LiveNode & { logs: string[]; clock: number; progressedAt: number[] }, sent };
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

  it('marks progress as a message\'s effects land (its writes once committed), and not for a message that had none (the end of a run\'s throughput)', async () => {
    let release!: () => void;
    const store = fakeStore(() => false);
    const slow = { ...store, commit: (w: readonly WriteRecord[]) => (w.length === 0 ? Promise.resolve() : new Promise<void>((r) => (release = () => r(void store.commit(w))))) };
    const { node } = fakeNode();
    const a = new LiveActor(node, 'counter', 1, counter, slow as unknown as SharedStore, 1);
    a.start();
    await a.settled();
    node.progressedAt.length = 0;
    node.clock = 10;
    const added = a.deliverAndWait({ type: 'add', n: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(node.progressedAt).toEqual([]); // handled, not yet committed
    node.clock = 25;
    release();
    await added;
    expect(node.progressedAt.length).toBeGreaterThan(0); // the write, then the sends
    expect(node.progressedAt.every((t) => t === 25)).toBe(true);
    const before = node.progressedAt.length;
    node.clock = 40;
    await a.deliverAndWait({ type: 'nothing' });
    expect(node.progressedAt).toHaveLength(before);
  });
});

describe("a live run's throughput span", () => {
  it('ends at the last effect in any process, not at the later poll that found the run settled', async () => {
    const { lastEffectAtMs } = await import('../harness/live/live-run.js');
    expect(lastEffectAtMs(9_000, 500, 7_200, 8_100)).toBe(8_100);
    // Nothing known after the load began (no process reported): the settled poll.
    expect(lastEffectAtMs(9_000, 500, 0, 300)).toBe(9_000);
    // Effects that went on past the settled poll (a behaviour that writes on a timer): no later than it.
    expect(lastEffectAtMs(9_000, 500, 9_400)).toBe(9_000);
  });

  it("takes a worker's last effect as a duration before its report, so another machine's clock does not enter it", () => {
    const t0 = Date.now() - 10_000;
    // The worker's clock says 50,000 (a minute off); 300 ms before its report is what counts.
    const r = onOurClock({ t: 'metrics', counters: {}, histograms: [], errors: [], stats: { handled: 5, crashes: 0, lastProgressMs: 50_000, lastProgressAgoMs: 300 } }, t0);
    expect(r.stats!.lastProgressMs).toBeGreaterThanOrEqual(9_700);
    expect(r.stats!.lastProgressMs).toBeLessThan(9_800);
    // A worker that reported no effect: none.
    expect(onOurClock({ t: 'metrics', counters: {}, histograms: [], errors: [], stats: { handled: 0, crashes: 0 } }, t0).stats!.lastProgressMs).toBe(0);
  });
});
