// One behaviour hosted in a nact actor: nact gives the mailbox and one-message-at-a-time
// handling; this host gives the behaviour its Context and performs the effects in
// DESIGN.md's order, now asynchronously: (1) compute, synchronously, on the store's
// in-memory mirror; (2) commit the message's writes as one PostgreSQL transaction;
// (3) sends and produces; (4) offset commits (after the produces are acknowledged).
//
// Handling is pipelined: the next message is computed while the previous one commits.
// Commits of one store queue in order, so a message's writes land after those it read,
// and if one is refused every later one built on it is refused too. A refused commit,
// a crash point that fires or a behaviour that throws crashes the actor as in the
// simulator: volatile state, timers and queued messages are lost, the mirror is
// reloaded from the database, consumed partitions go back to their committed offsets,
// and the behaviour starts again with `$started { restart: true }`.
import { dispatch, spawn, type Ref } from 'nact';
import { CrashSignal, type ActorRef, type Behaviour, type Context, type DurableStore } from '../contract.js';
import { Prng } from '../sim/prng.js';
import type { SimStore, WriteRecord } from '../sim/store.js';
import type { LiveNode, SharedStore } from './node.js';
import type { LiveConsumer } from './live-consumer.js';

interface Envelope {
  readonly inc: number;
  readonly msg: unknown;
  /** Runs once the message's effects are performed (or it was dropped); with the reason when its behaviour threw on records whose consumer handles errors. */
  readonly done?: (threw?: string) => void;
}

interface Effects {
  sends: [ActorRef, unknown][];
  /** Sends ahead of the clock: [delayMs, to, msg]. */
  later: [number, ActorRef, unknown][];
  produces: { topic: string; key: string; value: unknown; token: unknown }[];
  commits: [string, number, number][];
}

const NO_STORE: DurableStore = new Proxy({} as DurableStore, {
  get: (_, op) => () => {
    throw new Error(`this actor has no durable store (${String(op)})`);
  },
});

function clearTimer(t: NodeJS.Timeout | NodeJS.Immediate | undefined): void {
  if (t === undefined) return;
  if ('hasRef' in t && 'refresh' in t) clearTimeout(t);
  else clearImmediate(t as NodeJS.Immediate);
}

const NO_WRITES: readonly WriteRecord[] = Object.freeze([]);

/** The incarnation of supervision messages (a crash to throw in nact's handler). */
const SUPERVISION = -1;

class ActorCrash extends Error {}

/** Restarts come this long after a crash, so a crash that repeats does not spin. */
const RESTART_DELAY_MS = 100;

export class LiveActor {
  state: unknown = undefined;
  /** Incarnation: messages and timers of an earlier one are dropped. */
  private inc = 0;
  private ready = false;
  private held: { msg: unknown; done?: (threw?: string) => void }[] = [];
  private readonly timers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  private nextTimer = 1;
  private effects: Promise<void> = Promise.resolve();
  private readonly rng: Prng;
  private readonly nactRef: Ref<Envelope>;
  private fx: Effects = { sends: [], later: [], produces: [], commits: [] };
  consumer: LiveConsumer | undefined;
  readonly ctx: Context;
  handled = 0;
  crashes = 0;

  constructor(
    private readonly node: LiveNode,
    readonly name: string,
    readonly ref: number,
    private readonly behaviour: Behaviour<any, any>,
    private readonly store: SharedStore | undefined,
    seed: number,
  ) {
    // The same stream name as the simulator's, so a load generator draws the same workload.
    this.rng = new Prng(seed, node.index === 0 ? `actor:${name}` : `actor:${name}@${node.index}`);
    this.ctx = this.makeContext();
    this.nactRef = spawn(node.system, async (state: unknown, env: Envelope) => {
      // A crash found after the fact (a refused commit) comes back through the mailbox and
      // is thrown here, so nact's supervision (onCrash below) is what restarts the actor.
      if (env.inc === SUPERVISION) throw new ActorCrash((env.msg as { reason: string }).reason);
      // A store other processes write too is brought up to date before each message, so
      // the behaviour decides on what is committed (its writes are version-checked anyway).
      if (this.store?.sharedAcrossProcesses === true && env.inc === this.inc) await this.store.refresh().catch(() => {});
      this.handle(env);
      return state;
    }, `${name}`, {
      // The supervision policy: restart from the durable state, keep the mailbox running
      // (messages of the dead incarnation are dropped by their incarnation number).
      onCrash: (_msg, err, ctx) => {
        if (!(err instanceof ActorCrash)) {
          this.node.actorError(this.name, err); // not a behaviour's doing: a runtime bug, restart all the same
          this.stopIncarnation();
        }
        this.restart(err instanceof ActorCrash ? err.message : `runtime error: ${(err as Error).message}`);
        return ctx.resume;
      },
    });
  }

  /** Delivers a message; `done` runs once its effects are performed (or it was dropped). */
  deliver(msg: unknown, done?: (threw?: string) => void): void {
    if (!this.ready) {
      this.held.push({ msg, done });
      return;
    }
    dispatch(this.nactRef, { inc: this.inc, msg, done });
  }

  /** Resolves once the message's effects are performed: with the reason if its behaviour threw on records its consumer handles errors of (retry, dead-letter). */
  deliverAndWait(msg: unknown): Promise<string | undefined> {
    return new Promise((resolve) => this.deliver(msg, resolve));
  }

  /** Produces records outside any message (a dead letter): resolves once the broker has them. */
  async produceNow(topic: string, key: string, value: unknown): Promise<void> {
    await this.node.produce(this.name, [{ topic, key, value }]);
  }

  get incarnation(): number {
    return this.inc;
  }

  /** First start: the behaviour's volatile state, then `$started`. */
  start(): void {
    this.state = this.behaviour.init(this.ctx);
    this.open({ type: '$started', restart: false });
  }

  private open(started: unknown): void {
    this.ready = true;
    dispatch(this.nactRef, { inc: this.inc, msg: started });
    const held = this.held;
    this.held = [];
    for (const h of held) {
      // Records fetched while the actor was down come again, in order, from the rewound
      // offsets; handing these over too would deliver them out of order.
      if ((h.msg as { type?: string }).type === '$records' && (started as { restart?: boolean }).restart === true) h.done?.();
      else dispatch(this.nactRef, { inc: this.inc, msg: h.msg, done: h.done });
    }
  }

  /** Lets go of held messages (their waiters, a consumer among them, must not wait forever). */
  releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) h.done?.();
  }

  private handle(env: Envelope): void {
    if (env.inc !== this.inc) {
      env.done?.();
      return;
    }
    this.handled++;
    const fx: Effects = { sends: [], later: [], produces: [], commits: [] };
    this.fx = fx;
    let crash: string | undefined;
    const records = (env.msg as { type?: string }).type === '$records' ? env.msg as { topic: string; partition: number; records: { key: string; offset: number }[] } : undefined;
    try {
      // A poison fault: these records cannot be processed (the behaviour would throw on them).
      const poison = records === undefined ? null : this.node.faults.poisoned(records.topic, records.partition, records.records);
      if (poison !== null) throw new Error(poison);
      this.state = this.behaviour.receive(this.state, env.msg, this.ctx);
    } catch (e) {
      if (e instanceof CrashSignal) crash = `crash point ${e.point}`;
      else if (records !== undefined && this.consumer?.handlesErrors === true) {
        // As in the simulator: its consumer's error handling takes it from here (retry,
        // split, dead-letter); the writes are undone and nothing of the message is performed.
        this.store?.mirror.rollback();
        env.done?.((e as Error)?.message ?? String(e));
        return;
      } else {
        // A behaviour that throws crashes its actor, as in the simulator; its writes are undone.
        this.store?.mirror.rollback();
        this.node.actorError(this.name, e);
        env.done?.();
        this.crash(`threw: ${(e as Error).message}`);
        return;
      }
    }
    // The step boundaries, as the simulator's kernel has them: before the commit (nothing of
    // the message stands), after it (its writes stand, its sends and produces never go), after
    // the sends and produces (its offsets are not committed). Passed only by a message that did
    // not crash at a point of its own.
    const step = crash !== undefined ? undefined
      : this.node.crashPointFires(this.name, 'before-commit') ? 'before-commit'
        : this.node.crashPointFires(this.name, 'after-commit') ? 'after-commit'
          : this.node.crashPointFires(this.name, 'after-sends') ? 'after-sends' : undefined;
    if (step === 'before-commit') {
      this.store?.mirror.rollback();
      env.done?.();
      this.crash('crash point before-commit');
      return;
    }
    const writes = this.store === undefined ? NO_WRITES : this.store.mirror.commit();
    // Even with nothing written, the message read the shared mirror: its effects wait for the
    // commits queued before it (a barrier) and fail with them.
    const committed = this.store === undefined ? undefined : this.store.commit(writes, this.ctx.now());
    // Awaited in turn below; until then a refusal must not count as an unhandled rejection.
    committed?.catch(() => {});
    const inc = this.inc;
    this.effects = this.effects
      .then(async () => {
        if (committed !== undefined) await committed;
        if (inc !== this.inc) return;
        // Each effect marks progress as it lands (a run's throughput ends at the last): writes
        // once committed, sends as they go, produces once acknowledged, later sends as they fire.
        if (writes.length > 0) this.node.progressed();
        if (step === 'after-commit') return;
        await this.perform(step === 'after-sends' ? { ...fx, commits: [] } : fx);
      })
      .then(
        () => {
          env.done?.();
          if (step !== undefined && inc === this.inc) this.crash(`crash point ${step}`);
          else if (crash !== undefined && inc === this.inc) this.crash(crash);
        },
        (err) => {
          env.done?.();
          if (inc !== this.inc) return;
          this.node.count(`live.${this.name}.commitsRefused`);
          this.crash(`commit refused: ${(err as Error).message}`);
        },
      );
  }

  private async perform(fx: Effects): Promise<void> {
    for (const [to, msg] of fx.sends) this.node.route(to, msg, this);
    if (fx.sends.length > 0) this.node.progressed();
    for (const [delayMs, to, msg] of fx.later) {
      this.later(delayMs, () => {
        this.node.route(to, msg, this);
        this.node.progressed();
      });
    }
    if (fx.produces.length > 0) {
      const acked = this.node.produce(this.name, fx.produces);
      const tokens = fx.produces.filter((p) => p.token !== undefined).map((p) => p.token);
      const inc = this.inc;
      const report = acked.then(
        () => {
          this.node.progressed();
          if (tokens.length > 0 && inc === this.inc) this.deliver({ type: '$produced', tokens });
          return true;
        },
        () => {
          this.node.count('live.producesFailed');
          if (tokens.length > 0 && inc === this.inc) this.deliver({ type: '$produceFailed', tokens });
          return false;
        },
      );
      // Offsets of a message are committed only once what it produced is acknowledged;
      // if it was not, they stay where they are and the records come again.
      if (fx.commits.length > 0 && !(await report)) return;
    }
    if (fx.commits.length > 0 && this.consumer !== undefined) await this.consumer.commit(fx.commits);
  }

  /**
   * Crash (see the file comment): this incarnation ends at once (its queued messages,
   * timers and effects are dropped) and nact's supervision restarts the actor.
   */
  crash(reason: string): void {
    this.stopIncarnation();
    dispatch(this.nactRef, { inc: SUPERVISION, msg: { reason } });
  }

  private stopIncarnation(): void {
    this.inc++;
    this.ready = false;
    for (const t of this.timers.values()) clearTimer(t);
    this.timers.clear();
  }

  /** Restart from the durable state: reload the mirror, rewind consumed partitions, `$started { restart: true }`. */
  private restart(reason: string): void {
    this.crashes++;
    this.node.log(`${this.name} crashed (${reason}); restarting from its durable state`);
    const inc = this.inc;
    void (async () => {
      // The database or the broker may be away (a fault): keep trying, as a supervisor would.
      for (let attempt = 1; ; attempt++) {
        await new Promise((r) => setTimeout(r, attempt === 1 ? RESTART_DELAY_MS : Math.min(5_000, 500 * attempt)));
        if (inc !== this.inc || this.node.stopped) return this.releaseHeld();
        try {
          if (this.store !== undefined) await this.store.reload();
          if (this.consumer !== undefined) await this.consumer.rewind();
          break;
        } catch (err) {
          this.node.log(`${this.name}: restart attempt ${attempt} failed (${(err as Error).message}); trying again`);
        }
      }
      if (inc !== this.inc || this.node.stopped) return this.releaseHeld();
      this.state = this.behaviour.init(this.ctx);
      this.open({ type: '$started', restart: true });
    })();
  }

  stop(): void {
    this.inc++;
    this.ready = false;
    for (const t of this.timers.values()) clearTimer(t);
    this.timers.clear();
    this.releaseHeld();
  }

  /** Work this actor holds that the pipeline has still to do (the behaviour's `pending`), 0 when down. */
  pending(): number {
    if (!this.ready || this.behaviour.pending === undefined || this.state === undefined) return 0;
    return this.behaviour.pending(this.state, this.store?.mirror ?? NO_STORE);
  }

  /** Resolves once every effect requested so far is performed. */
  settled(): Promise<void> {
    return this.effects;
  }

  /** Runs `fn` after `delayMs` unless this incarnation ends first; the timer's id. */
  private later(delayMs: number, fn: () => void): number {
    const id = this.nextTimer++;
    const inc = this.inc;
    const fire = () => {
      this.timers.delete(id);
      if (inc === this.inc) fn();
    };
    // Node's timers have a 1 ms floor: a load generator that schedules its next
    // arrival less than a millisecond ahead (or already late) would be held to
    // 1,000 arrivals a second. Those fire on the next turn of the event loop.
    this.timers.set(id, delayMs < 1 ? setImmediate(fire) : setTimeout(fire, delayMs));
    return id;
  }

  private makeContext(): Context {
    const self = this;
    const node = this.node;
    const mirror: DurableStore | SimStore = this.store?.mirror ?? NO_STORE;
    return {
      ref: (name) => node.refOf(name),
      selfName: this.name,
      now: () => node.nowMs(),
      random: () => self.rng.random(),
      send: (to, msg) => void self.fx.sends.push([to, msg]),
      sendAfter: (delayMs, to, msg) => void self.fx.later.push([delayMs, to, msg]),
      setTimer: (delayMs, msg) => self.later(delayMs, () => self.deliver(msg)),
      cancelTimer(id) {
        clearTimer(self.timers.get(id));
        self.timers.delete(id);
      },
      store: mirror,
      produce: (topic, key, value, ackToken) => void self.fx.produces.push({ topic, key, value, token: ackToken }),
      commit: (topic, partition, nextOffset) => void self.fx.commits.push([topic, partition, nextOffset]),
      crashPoint: (point) => {
        if (node.crashPointFires(self.name, point)) throw new CrashSignal(point);
      },
      observe: (metric, ms) => node.metrics.record(metric, ms),
      record: (metric, value) => node.metrics.recordRaw(metric, value),
      count: (metric, by) => node.metrics.count(metric, by),
      gauge: (metric, value) => node.metrics.gauge(metric, value),
    };
  }
}
