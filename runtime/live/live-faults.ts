// Faults that exist for real in a live run, as validated data like the simulator's:
// SIGKILL a worker process (and start it again), lose the intake's HTTP answers (the
// load generator times out and retries under the same key), and slow consumers. Times
// are wall-clock ms from the start of the run. Presets draw their schedule from the seed.
import { readFaultList } from '../../faults/load-plan.js';
import { FaultPlanError } from '../../faults/inject.js';
import { z } from 'zod';
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

const liveFault = z.discriminatedUnion('kind', [killWorker, loseResponses, slowConsumer, loseProduceAcks, brokerRestart]);
export type LiveFault = z.infer<typeof liveFault>;
export const LIVE_FAULT_KINDS = ['kill-worker', 'lose-responses', 'slow-consumer', 'lose-produce-acks', 'broker-restart'] as const;

/** A FaultPlanError: the CLI reports both alike (exit 2). */
export class LiveFaultError extends FaultPlanError {}

/** Presets: a schedule drawn from the seed over the load's expected length. */
export function liveFaultPreset(name: string, seed: number, workers: number, loadMs: number): LiveFault[] | undefined {
  const rng = new Prng(seed, 'live-faults');
  const at = (from: number, to: number) => Math.round(from + rng.random() * (to - from));
  const kills = (): LiveFault[] => {
    if (workers === 0) return [];
    const n = Math.max(1, Math.min(3, Math.floor(loadMs / 4_000)));
    return Array.from({ length: n }, (_, i) => ({
      kind: 'kill-worker' as const, worker: 1 + Math.floor(rng.random() * workers),
      atMs: at((loadMs * i) / n + 500, (loadMs * (i + 1)) / n), restartAfterMs: 1_000 + Math.round(rng.random() * 2_000),
    }));
  };
  // Windows open once records flow through every stage (the batcher waits up to
  // batchMaxWaitMs before the first batch) and stay open for half the load.
  const window = () => ({ atMs: at(0.3 * loadMs, 0.5 * loadMs), durationMs: Math.max(2_000, loadMs / 2) });
  const lost = (): LiveFault[] => [{ kind: 'lose-responses', probability: 0.05, ...window() }];
  const slow = (): LiveFault[] => [{ kind: 'slow-consumer', actor: 'cs', delayMs: 200, ...window() }];
  const acks = (): LiveFault[] => [{ kind: 'lose-produce-acks', actor: 'ds', probability: 0.2, ...window() }];
  switch (name) {
    case 'none': return [];
    case 'kill-workers': return kills();
    case 'lost-responses': return lost();
    case 'slow-consumers': return slow();
    case 'lost-acks': return acks();
    case 'broker-restart': return [{ kind: 'broker-restart', atMs: at(0.3 * loadMs, 0.6 * loadMs), downMs: 3_000 }];
    case 'chaos': return [...kills(), ...lost(), ...slow(), ...acks()];
    default: return undefined;
  }
}

export const LIVE_PRESETS = ['none', 'kill-workers', 'lost-responses', 'slow-consumers', 'lost-acks', 'broker-restart', 'chaos'] as const;

/** A preset name, a JSON file, or inline JSON; errors name the fault and the field. */
export function loadLiveFaults(arg: string, seed: number, workers: number, loadMs: number): LiveFault[] {
  const preset = liveFaultPreset(arg, seed, workers, loadMs);
  if (preset !== undefined) return preset;
  const { list } = readFaultList(arg, `a live preset (${LIVE_PRESETS.join(', ')})`);
  if (!Array.isArray(list)) throw new LiveFaultError('a live fault plan must be a JSON array of faults (or {"faults": [...]}).');
  return list.map((f: unknown, i) => {
    const kind = (f as { kind?: unknown } | null)?.kind;
    if (!LIVE_FAULT_KINDS.includes(kind as never)) {
      throw new LiveFaultError(`fault #${i} has kind ${JSON.stringify(kind ?? null)}; live runs know ${LIVE_FAULT_KINDS.join(', ')} (the simulator's other kinds have no live counterpart yet).`);
    }
    const parsed = liveFault.safeParse(f);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LiveFaultError(`fault #${i} (${String(kind)}), field "${issue.path.join('.') || '?'}": ${issue.message}.`);
    }
    if (parsed.data.kind === 'kill-worker' && parsed.data.worker > workers) {
      throw new LiveFaultError(`fault #${i} (kill-worker) names worker ${parsed.data.worker}, but the run has ${workers} worker process${workers === 1 ? '' : 'es'} (--workers).`);
    }
    return parsed.data;
  });
}

/**
 * The faults one process applies itself, whichever actors it hosts: lost intake answers,
 * slow consumers, lost produce acknowledgements. Each firing is reported by the fault's
 * index at once (a worker killed later does not take its count along).
 */
export class ProcessFaults {
  private readonly rng: Prng;

  constructor(private readonly faults: readonly LiveFault[], private readonly nowMs: () => number, seed: number, process: number,
    private readonly fired: (index: number) => void) {
    this.rng = new Prng(seed, `live-faults@${process}`);
  }

  private active(i: number): boolean {
    const f = this.faults[i];
    const now = this.nowMs();
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
}

/** The coordinator's side: fires kills on schedule, loses answers, and reports what fired. */
export class LiveFaultRunner {
  private readonly fired: number[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly faults: readonly LiveFault[], private readonly c: { workers: WorkerPool; t0: number; log: (l: string) => void; broker?: OwnBroker }) {
    this.fired = faults.map(() => 0);
  }

  /** A fault fired somewhere (this process or a worker). */
  fire(index: number): void {
    this.fired[index]++;
  }

  start(): void {
    this.faults.forEach((f, i) => {
      if (f.kind === 'broker-restart') {
        const broker = this.c.broker;
        if (broker === undefined) return;
        this.timers.push(setTimeout(() => {
          this.fired[i]++;
          this.c.log(`fault: stopping the broker; starting it again in ${f.downMs} ms`);
          const p = broker.stop()
            .then(() => new Promise((r) => setTimeout(r, f.downMs)))
            .then(() => broker.start())
            .then(() => this.c.log('fault: the broker is back'))
            .catch((err) => this.c.log(`the broker did not come back: ${(err as Error).message}`));
          this.pending.add(p);
        }, Math.max(0, this.c.t0 + f.atMs - Date.now())));
      }
      if (f.kind === 'kill-worker') {
        this.timers.push(setTimeout(() => {
          if (!this.c.workers.kill(f.worker)) return;
          this.fired[i]++;
          this.c.log(`fault: SIGKILL worker ${f.worker}; restart in ${f.restartAfterMs} ms`);
          const p = new Promise((r) => setTimeout(r, f.restartAfterMs)).then(() => this.c.workers.restart(f.worker)).catch((err) => this.c.log(`worker ${f.worker} did not come back: ${(err as Error).message}`));
          this.pending.add(p);
        }, Math.max(0, this.c.t0 + f.atMs - Date.now())));
      }
    });
  }

  /** Resolves once every fault window has closed and every killed worker is back. */
  async healed(): Promise<void> {
    const end = Math.max(0, ...this.faults.map((f) => ('durationMs' in f ? f.atMs + f.durationMs : f.atMs)));
    const wait = this.c.t0 + end - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await Promise.all(this.pending);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  /** Each fault and how often it fired, in whichever process. */
  report(): (Record<string, unknown> & { fired: number })[] {
    return this.faults.map((f, i) => ({ ...f, fired: this.fired[i] }));
  }
}
