// Faults that exist for real in a live run, as validated data like the simulator's:
// SIGKILL a worker process (and start it again), lose the intake's HTTP answers (the
// load generator times out and retries under the same key), slow consumers, lost produce
// acknowledgements, a broker restart, and crashes at a behaviour's crash points. Times
// are wall-clock ms from the start of the run. Presets draw their schedule from the seed.
import { z } from 'zod';
import { InputError } from '../input-error.js';
import { Prng } from '../sim/prng.js';
import type { WorkerPool } from './worker-pool.js';
import type { OwnBroker } from './own-broker.js';

const ms = z.number().min(0);

export const killWorker = z.strictObject({
  kind: z.literal('kill-worker'),
  /** 1-based worker index. */
  worker: z.number().int().min(1),
  atMs: ms,
  restartAfterMs: ms.default(2_000),
});

/** The intake applies each request but its answer is lost with this probability during the window. */
export const loseResponses = z.strictObject({
  kind: z.literal('lose-responses'),
  probability: z.number().min(0).max(1),
  atMs: ms,
  durationMs: z.number().positive(),
});

/** The actor (in every process that hosts it) waits `delayMs` before handling each fetched batch during the window. */
export const slowConsumer = z.strictObject({
  kind: z.literal('slow-consumer'),
  actor: z.string().min(1),
  delayMs: z.number().positive(),
  atMs: ms,
  durationMs: z.number().positive(),
});

/** The acknowledgement of a produce by `actor` is lost: the producer sends the same records again (duplicates on the topic). */
export const loseProduceAcks = z.strictObject({
  kind: z.literal('lose-produce-acks'),
  actor: z.string().min(1),
  probability: z.number().min(0).max(1),
  atMs: ms,
  durationMs: z.number().positive(),
});

/** The project's own broker (npm run kafka:up) is stopped at `atMs` and started again `downMs` later; its data survives. */
export const brokerRestart = z.strictObject({
  kind: z.literal('broker-restart'),
  atMs: ms,
  downMs: ms.default(3_000),
});

/**
 * As in the simulator: the actor crashes at a behaviour's crash point or a step boundary
 * (before-commit, after-commit, after-sends) on its `occurrence`-th pass, counted from
 * `afterMs` (from the load's start) in each process that hosts it; what it had done up
 * to there stands, and it restarts from its durable state.
 */
export const crashAtPoint = z.strictObject({
  kind: z.literal('crash'),
  actor: z.string().min(1),
  point: z.string().min(1),
  occurrence: z.number().int().min(1).default(1),
  afterMs: ms.optional(),
});

/** As in the simulator: records of `topic` with this key cannot be processed; every consumer of the topic throws on them. */
export const poisonRecords = z.strictObject({
  kind: z.literal('poison'),
  topic: z.string().min(1),
  key: z.string().min(1),
});

export const liveFault = z.discriminatedUnion('kind', [killWorker, loseResponses, slowConsumer, loseProduceAcks, brokerRestart, crashAtPoint, poisonRecords]);
export type LiveFault = z.infer<typeof liveFault>;
export const LIVE_FAULT_KINDS = ['kill-worker', 'lose-responses', 'slow-consumer', 'lose-produce-acks', 'broker-restart', 'crash', 'poison'] as const;

/** A live fault plan that does not fit: bad input (exit 2). */
export class LiveFaultError extends InputError {}

/**
 * The faults one process applies itself, whichever actors it hosts: lost intake answers,
 * slow consumers, lost produce acknowledgements. Each firing is reported by the fault's
 * index at once (a worker killed later does not take its count along).
 */
export class ProcessFaults {
  private readonly rng: Prng;
  /** Wall-clock ms the fault plan's times count from (the start of the load); none until it starts. */
  private originMs: number | null = null;

  constructor(private readonly faults: readonly LiveFault[], seed: number, process: number,
    private readonly fired: (index: number) => void) {
    this.rng = new Prng(seed, `live-faults@${process}`);
    this.hasCrashes = faults.some((f) => f.kind === 'crash');
  }

  private readonly hasCrashes: boolean;

  /**
   * The plan's times count from `originMs` (the load's start, the same wall-clock instant in
   * every process), not from when this process came up: worker start-up takes seconds, and a
   * window of a few seconds would otherwise close before the pipeline had done anything.
   */
  start(originMs: number): void {
    this.originMs = originMs;
  }

  private active(i: number): boolean {
    const f = this.faults[i];
    if (this.originMs === null) return false;
    const now = Date.now() - this.originMs;
    return 'durationMs' in f && now >= f.atMs && now < f.atMs + f.durationMs;
  }

  /** How long to hold back `actor`'s next fetched batch. */
  consumerDelay(actor: string): number {
    let d = 0;
    this.faults.forEach((f, i) => {
      if (f.kind === 'slow-consumer' && f.actor === actor && this.active(i)) {
        d = Math.max(d, f.delayMs);
        this.fired(i);
      }
    });
    return d;
  }

  private coin(kind: LiveFault['kind'], actor: string | undefined): boolean {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f.kind !== kind || !this.active(i)) continue;
      if (actor !== undefined && (f as { actor?: string }).actor !== actor) continue;
      if (this.rng.random() < (f as { probability: number }).probability) {
        this.fired(i);
        return true;
      }
    }
    return false;
  }

  loseAnswer(): boolean {
    return this.coin('lose-responses', undefined);
  }

  loseProduceAck(actor: string): boolean {
    return this.coin('lose-produce-acks', actor);
  }

  /** Why a batch of `topic` cannot be processed (a poison record in it), or null. */
  poisoned(topic: string, partition: number, records: readonly { key: string; offset: number }[]): string | null {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f.kind !== 'poison' || f.topic !== topic) continue;
      const r = records.find((x) => x.key === f.key);
      if (r === undefined) continue;
      this.fired(i);
      return `cannot process ${topic}/${partition}@${r.offset} (key ${f.key})`;
    }
    return null;
  }

  /** Passes through each crash fault's point in this process (counted once its afterMs has come). */
  private readonly passes = new Map<number, number>();

  /** Whether `actor` crashes at `point` now (a behaviour's crash point or a step boundary). */
  crashAt(actor: string, point: string): boolean {
    // Asked three times for every message an actor handles: most plans have no crash at all.
    if (!this.hasCrashes) return false;
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f.kind !== 'crash' || f.actor !== actor || f.point !== point) continue;
      if (f.afterMs !== undefined && (this.originMs === null || Date.now() - this.originMs < f.afterMs)) continue;
      const n = (this.passes.get(i) ?? 0) + 1;
      this.passes.set(i, n);
      if (n === f.occurrence) {
        this.fired(i);
        return true;
      }
    }
    return false;
  }
}

/** The coordinator's side: fires kills on schedule, loses answers, and reports what fired. */
export class LiveFaultRunner {
  private readonly fired: number[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  /** Wall-clock ms the plan's times count from: the start of the load (see ProcessFaults.start); none before. */
  private originMs: number | undefined;

  constructor(private readonly faults: readonly LiveFault[], private readonly c: { workers: WorkerPool; log: (l: string) => void; broker?: OwnBroker }) {
    this.fired = faults.map(() => 0);
  }

  /** A fault fired somewhere (this process or a worker). */
  fire(index: number): void {
    this.fired[index]++;
  }

  /** When the fault plan's clock started, for a worker (re)started after it; undefined before the load. */
  get origin(): number | undefined {
    return this.originMs;
  }

  /** The load starts now: the plan's clock starts in this process (`local`) and in every worker, and kills are scheduled. */
  start(local: ProcessFaults): void {
    const originMs = Date.now();
    this.originMs = originMs;
    local.start(originMs);
    this.c.workers.broadcast({ t: 'faults-from', originMs });
    this.faults.forEach((f, i) => {
      if (f.kind === 'broker-restart') {
        const broker = this.c.broker;
        if (broker === undefined) return;
        this.timers.push(setTimeout(() => {
          this.fired[i]++;
          this.c.log(`fault: stopping the broker; starting it again in ${f.downMs} ms`);
          const p = broker.stop()
            .then(() => new Promise<void>((r) => {
              const timer = setTimeout(r, this.stopped ? 0 : f.downMs);
              this.skipDowntime = () => {
                clearTimeout(timer);
                r();
              };
            }))
            .then(() => broker.start())
            .then(() => this.c.log('fault: the broker is back'))
            .catch((err) => this.c.log(`the broker did not come back: ${(err as Error).message}`));
          this.pending.add(p);
        }, Math.max(0, originMs + f.atMs - Date.now())));
      }
      if (f.kind === 'kill-worker') {
        this.timers.push(setTimeout(() => {
          if (!this.c.workers.kill(f.worker)) return;
          this.fired[i]++;
          this.c.log(`fault: SIGKILL worker ${f.worker}; restart in ${f.restartAfterMs} ms`);
          const p = new Promise((r) => setTimeout(r, f.restartAfterMs)).then(() => (this.stopped ? undefined : this.c.workers.restart(f.worker))).catch((err) => this.c.log(`worker ${f.worker} did not come back: ${(err as Error).message}`));
          this.pending.add(p);
        }, Math.max(0, originMs + f.atMs - Date.now())));
      }
    });
  }

  /** Resolves once every fault window has closed and every killed worker is back. */
  async healed(): Promise<void> {
    const end = Math.max(0, ...this.faults.map((f) => ('durationMs' in f ? f.atMs + f.durationMs : 'atMs' in f ? f.atMs : 'afterMs' in f ? (f.afterMs ?? 0) : 0)));
    const wait = (this.originMs ?? Date.now()) + end - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await Promise.all(this.pending);
  }

  /**
   * No more faults: pending ones are cancelled, a killed worker is not started again (the
   * pool stops it anyway), and a broker this fault stopped is started again at once, not
   * left down (the run may be stopping on a signal mid-fault).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.skipDowntime?.();
    await Promise.all(this.pending);
  }

  private stopped = false;
  /** Ends a broker's planned downtime early. */
  private skipDowntime: (() => void) | undefined;

  /** Each fault and how often it fired, in whichever process. */
  report(): (Record<string, unknown> & { fired: number })[] {
    return this.faults.map((f, i) => ({ ...f, fired: this.fired[i] }));
  }
}
