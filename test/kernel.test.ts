import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../runtime/contract.js';
import { COMMITTED_RECORDS_KEPT, Simulation } from '../runtime/sim/kernel.js';
import { injectFaults } from '../faults/inject.js';
import { toyPipeline } from './helpers/toy.js';

describe('simulation kernel', () => {
  it('delivers messages sent at the same virtual time in the order they were sent', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    const got: number[] = [];
    sim.addActor({ name: 'sink', behaviour: { init: () => null, receive: (s, m: any) => (m.n !== undefined && got.push(m.n), s) }, workers: 1 });
    sim.addActor({
      name: 'src',
      behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started') for (let n = 0; n < 20; n++) ctx.send('sink', { n }); return s; } },
    });
    sim.runUntil(100);
    expect(got).toEqual([...Array(20).keys()]);
  });

  it('a commit observer given stores hears only those stores\' commits; one without hears every store', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    const writer = (table: string): Behaviour<null, any> => ({ init: () => null, receive: (s, m, ctx) => { if (m.type === '$started') ctx.store.put(table, 'k', 1); return s; } });
    sim.addActor({ name: 'a', store: 'sa', behaviour: writer('t') });
    sim.addActor({ name: 'b', store: 'sb', behaviour: writer('t') });
    sim.addActor({ name: 'c', store: 'sc', behaviour: writer('t') });
    const all: string[] = [];
    const some: string[] = [];
    sim.onCommit((store) => all.push(store));
    sim.onCommit((store) => some.push(store), ['sb', 'sc', 'sb']);
    sim.runUntil(10);
    expect(all.sort()).toEqual(['sa', 'sb', 'sc']);
    expect(some.sort()).toEqual(['sb', 'sc']);
  });

  it('queues behind busy workers: service time and concurrency make a capacity', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMs: 0, jitterMs: 0 } });
    const done: number[] = [];
    sim.addActor({ name: 'svc', behaviour: { init: () => null, receive: (s, m: any, ctx) => (m.n !== undefined && done.push(ctx.now()), s) }, workers: 2, serviceTime: (m: any) => (m.n === undefined ? 0 : 10) });
    sim.addActor({ name: 'src', behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started') for (let n = 0; n < 6; n++) ctx.send('svc', { n }); return s; } } });
    sim.runUntil(1000);
    // Six messages, two workers, 10 ms each: three waves.
    expect(done.map((t) => Math.round(t))).toEqual([10, 10, 20, 20, 30, 30]);
  });

  it('a crash loses volatile state, mailbox and timers, keeps the durable store, and restarts', () => {
    const sim = new Simulation({ seed: 1 });
    const seenAfterRestart: unknown[] = [];
    const b: Behaviour<{ volatile: number }, any> = {
      init: (ctx) => ({ volatile: 0, ...(ctx.store.get('t', 'x') !== undefined ? {} : {}) }),
      receive(s, m, ctx) {
        if (m.type === '$started') {
          if (m.restart) seenAfterRestart.push({ volatile: s.volatile, durable: ctx.store.get('t', 'x') });
          else ctx.setTimer(50, { type: 'late' });
        }
        if (m.type === 'bump') {
          s.volatile++;
          ctx.store.put('t', 'x', (ctx.store.get<number>('t', 'x') ?? 0) + 1);
        }
        if (m.type === 'late') seenAfterRestart.push('timer fired');
        return s;
      },
    };
    const a = sim.addActor({ name: 'a', behaviour: b });
    sim.addActor({ name: 'src', behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started') { ctx.send('a', { type: 'bump' }); ctx.send('a', { type: 'bump' }); } return s; } } });
    sim.runUntil(10);
    sim.crash(a, 5_000_000); // restart after 5 s (the kernel API takes microseconds)
    sim.runUntil(100);
    expect(seenAfterRestart).toEqual([]); // the timer died with the first incarnation
    sim.runUntil(6_000);
    expect(seenAfterRestart).toEqual([{ volatile: 0, durable: 2 }]);
  });

  it('after a restart, $started is handled before a message due at the same instant', () => {
    // Latency without jitter, so the request lands exactly on the restart.
    const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
    const seen: string[] = [];
    const a = sim.addActor({
      name: 'a', serviceTime: 1,
      behaviour: { init: () => null, receive: (s, m: any, ctx) => (ctx.now() > 5_000 && seen.push(`${m.type}@${Math.round(ctx.now())}`), s) },
    });
    // The request is sent at 5,009 ms and arrives (1 ms of latency) at 5,010 ms, when a restarts.
    sim.addActor({
      name: 'src',
      behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started') ctx.setTimer(5_009, { type: 'go' }); if (m.type === 'go') ctx.send('a', { type: 'req' }); return s; } },
    });
    sim.runUntil(10);
    sim.crash(a, 5_000_000);
    sim.runUntil(6_000);
    expect(seen).toEqual(['$started@5010', 'req@5011']);
  });

  it('a cancelled timer never fires; cancelling a fired or unknown timer changes nothing', () => {
    const sim = new Simulation({ seed: 1 });
    const fired: string[] = [];
    const b: Behaviour<{ ids: number[] }, any> = {
      init: () => ({ ids: [] }),
      receive(s, m, ctx) {
        if (m.type === '$started') {
          for (const name of ['a', 'b', 'c']) s.ids.push(ctx.setTimer(10, { type: 'fire', name }));
          ctx.setTimer(5, { type: 'cancel-b' });
          ctx.setTimer(20, { type: 'cancel-fired-and-unknown' });
          ctx.setTimer(30, { type: 'fire', name: 'd' });
        }
        if (m.type === 'cancel-b') ctx.cancelTimer(s.ids[1]);
        if (m.type === 'cancel-fired-and-unknown') {
          ctx.cancelTimer(s.ids[0]);
          ctx.cancelTimer(987_654);
        }
        if (m.type === 'fire') fired.push(m.name);
        return s;
      },
    };
    sim.addActor({ name: 't', behaviour: b });
    sim.runUntil(100);
    expect(fired).toEqual(['a', 'c', 'd']);
  });

  it('cancelling thousands of timers that already fired keeps the set small and cancels the right ones', () => {
    const sim = new Simulation({ seed: 1 });
    const fired = { kept: 0, late: 0 };
    const a = sim.addActor({
      name: 't',
      behaviour: {
        init: () => ({ late: 0, ticks: [] as number[] }),
        receive(s, m: any, ctx) {
          if (m.type === '$started') {
            s.late = ctx.setTimer(1_000, { type: 'late' });
            for (let i = 0; i < 10_000; i++) s.ticks.push(ctx.setTimer(1, { type: 'tick', i }));
          }
          if (m.type === 'tick') {
            ctx.cancelTimer(s.ticks[m.i]); // this very timer: it has fired
            ctx.setTimer(2, { type: 'kept' });
            if (m.i === 9_999) ctx.cancelTimer(s.late);
          }
          if (m.type === 'kept') fired.kept++;
          if (m.type === 'late') fired.late++;
          return s;
        },
      },
    });
    sim.runUntil(5_000);
    expect(a.cancelledTimers!.size).toBeLessThanOrEqual(4_097);
    expect(fired).toEqual({ kept: 10_000, late: 0 });
  });

  describe('sending ahead of the clock (sendAfter)', () => {
    // src sends three messages at t=0, to leave at 10, 20 and 30 ms; latency 1 ms, no jitter.
    const setup = (faults: Parameters<typeof injectFaults>[1] = []) => {
      const sim = new Simulation({ seed: 1, network: { latencyMs: 1, jitterMs: 0 } });
      const got: [number, number][] = [];
      sim.addActor({ name: 'sink', behaviour: { init: () => null, receive: (s, m: any, ctx) => (m.n !== undefined && got.push([m.n, Math.round(ctx.now())]), s) } });
      const src = sim.addActor({
        name: 'src',
        behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started' && !m.restart) for (const n of [1, 2, 3]) ctx.sendAfter(n * 10, 'sink', { n }); return s; } },
      });
      const reports = injectFaults(sim, faults);
      return { sim, got, src, reports };
    };

    it('delivers each message its delay plus the latency later', () => {
      const { sim, got } = setup();
      sim.runUntil(100);
      expect(got).toEqual([[1, 11], [2, 21], [3, 31]]);
    });

    it('withdraws what has not left when the sender crashes', () => {
      const { sim, got, src } = setup();
      sim.runUntil(15);
      sim.crash(src, 1_000_000);
      sim.runUntil(100);
      expect(got).toEqual([[1, 11]]);
    });

    it('judges a message by the network as it leaves, not as it was scheduled', () => {
      // The link is cut from 15 to 25 ms: only the message leaving at 20 ms is lost.
      const { sim, got, reports } = setup([{ kind: 'partition', actor: 'sink', atMs: 15, durationMs: 10 }]);
      sim.runUntil(100);
      expect(got).toEqual([[1, 11], [3, 31]]);
      expect(reports[0].fired).toBe(1);
    });

    it('holds what was sent ahead while the sender is paused, with or without a network fault planned', () => {
      for (const faults of [[], [{ kind: 'partition' as const, actor: 'sink', atMs: 500, durationMs: 10 }]]) {
        // Paused from 5 to 25 ms: the messages due to leave at 10 and 20 leave at 25.
        const { sim, got } = setup([{ kind: 'pause', actor: 'src', atMs: 5, durationMs: 20 }, ...faults]);
        sim.runUntil(100);
        expect(got).toEqual([[1, 26], [2, 26], [3, 31]]);
      }
    });

    it('withdraws a pending departure on a crash also when a network fault is planned', () => {
      const { sim, got, src } = setup([{ kind: 'partition', actor: 'sink', atMs: 500, durationMs: 10 }]);
      sim.runUntil(15);
      sim.crash(src, 1_000_000);
      sim.runUntil(100);
      expect(got).toEqual([[1, 11]]);
    });
  });

  it.each([false, true])('a commit on a topic no group reads does not delete its records (keeping committed records for a rewind: %s)', (keep) => {
    const sim = new Simulation({ seed: 1 });
    if (keep) sim.keepCommittedRecords();
    sim.addTopic({ name: 'in', partitions: 1 });
    sim.addTopic({ name: 'audit', partitions: 1 });
    sim.addActor({
      name: 'src',
      behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started') { for (let i = 0; i < 300; i++) ctx.produce('audit', `k${i}`, i); for (let i = 0; i < 300; i++) ctx.produce('in', `k${i}`, i); } return s; } },
    });
    sim.addActor({
      name: 'c',
      consumes: { group: 'g', topics: ['in'] },
      behaviour: {
        init: () => null,
        receive(s, m: any, ctx) {
          if (m.type !== '$records') return s;
          ctx.commit('in', m.partition, m.records[m.records.length - 1].offset + 1);
          ctx.commit('audit', 0, 42); // not a topic its group reads
          return s;
        },
      },
    });
    sim.runUntil(20_000);
    expect(sim.committedOffset('g', 'in', 0)).toBe(300);
    // Read by every group: gone, but for the last records a planned rewind may go back to.
    expect(sim.topic('in').logs[0].start).toBe(keep ? 300 - COMMITTED_RECORDS_KEPT : 300);
    expect(sim.topic('audit').logs[0].start).toBe(0); // read by none: kept
    expect([...sim.topic('audit').logs[0].all()].length).toBe(300);
  });

  it('a crash while handling a message that takes no service time leaves the actor its workers (busy never goes below 0)', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addTopic({ name: 't', partitions: 1 });
    const w = sim.addActor({
      name: 'w', workers: 1, serviceTime: 5, consumes: { group: 'g', topics: ['t'] },
      behaviour: { init: () => null, crashPoints: ['w.assigned'], receive: (s, m: any, ctx) => { if (m.type === '$assigned') ctx.crashPoint('w.assigned'); return s; } },
    });
    sim.armCrashPoint('w', 'w.assigned', 100);
    let hits = 0;
    sim.crashPlan = (_a, p) => p === 'w.assigned' && ++hits === 1;
    sim.runUntil(2_000);
    expect(w.incarnation).toBe(1);
    expect(w.busy).toBe(0);
  });

  it('a message sent to a crashed actor is lost', () => {
    const sim = new Simulation({ seed: 1 });
    let got = 0;
    const a = sim.addActor({ name: 'a', behaviour: { init: () => null, receive: (s, m: any) => (m.type === 'x' && got++, s) } });
    sim.addActor({ name: 'src', behaviour: { init: () => null, receive: (s, m: any, ctx) => (m.type === '$started' && ctx.send('a', { type: 'x' }), s) } });
    sim.start();
    sim.crash(a, 1_000);
    sim.runUntil(2_000);
    expect(got).toBe(0);
    expect(sim.messagesLost).toBe(1);
  });

  it('a crash point performs the effects requested before it and none after', () => {
    const { sim, counts } = toyPipeline({ records: 30 });
    const faults = injectFaults(sim, [{ kind: 'crash', actor: 'sink', point: 'sink.after-count', occurrence: 1, restartAfterMs: 50 }]);
    sim.runUntil(60_000);
    expect(faults[0].fired).toBe(1);
    // The first batch was counted (durable) but never committed: it is delivered again after the restart.
    const twice = [...counts().values()].filter((n) => n === 2).length;
    expect(twice).toBeGreaterThan(0);
    expect(counts().size).toBe(30);
  });

  it('before-commit crashes roll the durable writes back', () => {
    const { sim, counts } = toyPipeline({ records: 30 });
    injectFaults(sim, [{ kind: 'crash', actor: 'sink', point: 'before-commit', occurrence: 1, restartAfterMs: 50 }]);
    sim.runUntil(60_000);
    expect([...counts().values()].every((n) => n === 1)).toBe(true);
    expect(counts().size).toBe(30);
  });

  it('uncommitted records are redelivered to a consumer that crashed, committed ones are not', () => {
    const { sim, counts } = toyPipeline({ records: 200 });
    sim.start();
    sim.runUntil(100);
    const before = new Map(counts());
    sim.crash(sim.actor('sink'), 20);
    sim.runUntil(60_000);
    expect(counts().size).toBe(200);
    // Whatever was committed before the crash was not counted again.
    for (const [k, n] of before) expect(counts().get(k)! - n).toBeLessThanOrEqual(1);
  });

  it('same seed, same history hash; another seed, another hash', () => {
    const hash = (seed: number) => {
      const { sim } = toyPipeline({ records: 100, seed });
      sim.runUntil(10_000);
      return sim.hash.digest();
    };
    expect(hash(3)).toBe(hash(3));
    expect(hash(3)).not.toBe(hash(4));
  });
});

describe('Kafka model', () => {
  // Acks that take longer than the request timeout make the producer retry.
  const slowAcks = { network: { latencyMs: 20, jitterMs: 0 }, kafka: { requestTimeoutMs: 15 } };

  it('a record whose ack was late is appended twice unless the producer is idempotent', () => {
    const plain = toyPipeline({ records: 50, idempotent: false, ...slowAcks });
    plain.sim.runUntil(30_000);
    const plainAppended = plain.sim.topic('numbers').logs.reduce((n, l) => n + l.appended, 0);
    expect(plainAppended).toBeGreaterThan(50);
    expect([...plain.counts().values()].some((n) => n > 1)).toBe(true);

    const idem = toyPipeline({ records: 50, idempotent: true, ...slowAcks });
    idem.sim.runUntil(30_000);
    expect(idem.sim.topic('numbers').logs.reduce((n, l) => n + l.appended, 0)).toBe(50);
    expect(idem.sim.metrics.counter('kafka.duplicatesDropped')).toBeGreaterThan(0);
  });

  it('keys land on the partition the default partitioner picks', async () => {
    const { partitionForKey } = await import('../runtime/sim/kafka/partitioner.js');
    const { sim } = toyPipeline({ records: 40 });
    sim.runUntil(5_000);
    for (const log of sim.topic('numbers').logs) for (const r of log.all()) expect(partitionForKey(r.key, 3)).toBe(log.partition);
  });

  it('a crashed member leaves its group after the session timeout and its partitions move', () => {
    const sim = new Simulation({ seed: 1, kafka: { sessionTimeoutMs: 1_000 } });
    sim.addTopic({ name: 't', partitions: 4 });
    const owned = new Map<string, Set<number>>();
    const member = (name: string): Behaviour<null, any> => ({
      init: () => null,
      receive(s, m, ctx) {
        if (m.type === '$records') {
          let set = owned.get(name);
          if (set === undefined) owned.set(name, (set = new Set()));
          set.add(m.partition);
          ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
        }
        return s;
      },
    });
    sim.addActor({ name: 'm1', behaviour: member('m1'), consumes: { group: 'g', topics: ['t'] } });
    sim.addActor({ name: 'm2', behaviour: member('m2'), consumes: { group: 'g', topics: ['t'] } });
    let i = 0;
    sim.addActor({ name: 'p', behaviour: { init: () => null, receive: (s, m: any, ctx) => { if (m.type === '$started' || m.type === 'tick') { ctx.produce('t', `k${i++}`, i); ctx.setTimer(5, { type: 'tick' }); } return s; } } });
    sim.runUntil(500);
    expect(owned.get('m1')?.size).toBe(2);
    expect(owned.get('m2')?.size).toBe(2);
    sim.crash(sim.actor('m2'), 1e9);
    owned.clear();
    sim.runUntil(3_000);
    expect(owned.get('m1')?.size).toBe(4);
    expect(sim.metrics.counter('kafka.rebalances')).toBeGreaterThanOrEqual(3);
  });
});
