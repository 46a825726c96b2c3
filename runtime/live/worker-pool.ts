// The coordinator's worker processes: forks them, hands them their configuration over
// IPC, relays sends between processes, SIGKILLs and restarts them (a live fault), and
// collects what they counted when the run stops.
import { fork, type ChildProcess } from 'node:child_process';
import { REF_STRIDE } from './node.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.js';

const READY_TIMEOUT_MS = 60_000;

type Report = Extract<FromWorker, { counters: Record<string, number> }>;

interface Worker {
  child: ChildProcess | undefined;
  ready: boolean;
  /** How its gauges are told apart: `w<index>`, or a service process's service. */
  label?: string;
  /** A service process's endpoint, by actor, as its current incarnation reported it. */
  urls?: Record<string, string>;
  /** What this incarnation measured, as it last reported it (every second, and when it stops). */
  stats?: Report;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  kills = 0;
  restarts = 0;
  lostSends = 0;
  readonly errors: { tMs: number; actor: string; message: string }[] = [];
  /** The last reports of killed incarnations: what they measured until their last second counts too. */
  private readonly retired: { index: number; report: Report }[] = [];

  /** `main`: the worker's entry module (a .ts one runs through tsx: tests run from source). */
  constructor(
    private readonly main: string,
    private readonly config: (index: number) => WorkerConfig,
    private readonly toCoordinator: (ref: number, msg: unknown) => void,
    private readonly log: (line: string) => void,
    private readonly onFaultFired: (fault: number) => void = () => {},
    /** A service process (re)started: where every service process listens now. */
    private readonly onPeers: (urls: Record<string, string>) => void = () => {},
  ) {}

  /** Where the service processes listen, by actor. */
  get peers(): Record<string, string> {
    return Object.assign({}, ...this.workers.map((w) => w?.urls ?? {}));
  }

  /** Starts worker `index` (1-based) and resolves once it consumes. */
  start(index: number): Promise<void> {
    const w: Worker = this.workers[index] ?? { child: undefined, ready: false };
    this.workers[index] = w;
    const child = fork(this.main, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: this.main.endsWith('.ts') ? ['--import', 'tsx'] : [] });
    w.child = child;
    w.ready = false;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${index} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      child.on('message', (m: FromWorker) => {
        switch (m.t) {
          case 'ready':
            w.ready = true;
            clearTimeout(timer);
            if (m.urls !== undefined && Object.keys(m.urls).length > 0) {
              w.urls = m.urls;
              this.onPeers(this.peers);
            }
            resolve();
            break;
          case 'failed':
            clearTimeout(timer);
            reject(new Error(`worker ${index} could not start: ${m.message}`));
            break;
          case 'send':
            this.route(m.to, m.msg);
            break;
          case 'log':
            this.log(m.line);
            break;
          case 'fired':
            this.onFaultFired(m.fault);
            break;
          case 'error':
            if (this.errors.length < 100) this.errors.push({ ...m.error, actor: `${m.error.actor}@worker${index}` });
            break;
          case 'metrics':
          case 'stopped':
            if (w.child === child) w.stats = m;
            break;
        }
      });
      child.on('exit', (code, signal) => {
        if (w.child === child) w.ready = false;
        if (!w.ready && signal === null && code !== 0) {
          clearTimeout(timer);
          reject(new Error(`worker ${index} exited with code ${code}`));
        }
      });
      const config = this.config(index);
      w.label = config.service ?? `w${index}`;
      const msg: ToWorker = { t: 'config', config };
      child.send(msg);
    });
  }

  /** A send from any process to `ref`: to the coordinator or to the worker that hosts it. */
  route(ref: number, msg: unknown): void {
    const index = Math.floor(ref / REF_STRIDE);
    if (index === 0) {
      this.toCoordinator(ref, msg);
      return;
    }
    const w = this.workers[index];
    if (w?.child === undefined || !w.ready || !w.child.connected) {
      this.lostSends++;
      return;
    }
    w.child.send({ t: 'send', to: ref, msg } satisfies ToWorker);
  }

  /** A message for every worker that is up (and ready). */
  broadcast(msg: ToWorker): void {
    for (const w of this.workers) if (w?.child !== undefined && w.ready && w.child.connected) w.child.send(msg);
  }

  /** SIGKILL: no goodbye, no flush; its partitions go to the other members after the session timeout. */
  kill(index: number): boolean {
    const w = this.workers[index];
    if (w?.child === undefined || w.child.exitCode !== null || w.child.signalCode !== null) return false;
    w.ready = false;
    w.child.kill('SIGKILL');
    this.kills++;
    if (w.stats !== undefined) this.retired.push({ index, report: w.stats });
    w.stats = undefined;
    return true;
  }

  async restart(index: number): Promise<void> {
    this.restarts++;
    await this.start(index);
  }

  get size(): number {
    return this.workers.length - 1;
  }

  /** Asks every live worker to stop and waits for its counts (or its exit). */
  async stop(timeoutMs = 20_000): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      const child = w?.child;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.send({ t: 'stop' } satisfies ToWorker);
      else child.kill('SIGKILL');
    })));
  }

  /** Every incarnation's last report: killed ones' and the current ones'. */
  private reports(): { index: number; report: Report }[] {
    const current = this.workers.flatMap((w, index) => (w?.stats === undefined ? [] : [{ index, report: w.stats }]));
    return [...this.retired, ...current];
  }

  /** What the workers counted, every incarnation's. */
  get counters(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { report } of this.reports()) for (const [k, v] of Object.entries(report.counters)) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }

  /**
   * The running workers' gauges, each under its process ("<name>@w<i>"): a level of one
   * process (its share of a state, its breaker's state) is not added to another's.
   */
  get gauges(): Map<string, { last: number; max: number }> {
    const out = new Map<string, { last: number; max: number }>();
    this.workers.forEach((w, i) => {
      for (const [k, g] of Object.entries(w?.stats?.gauges ?? {})) out.set(`${k}@${w?.label ?? `w${i}`}`, g);
    });
    return out;
  }

  get histograms(): Report['histograms'] {
    return this.reports().flatMap(({ report }) => report.histograms);
  }

  /** Messages each worker handled (by index), over its incarnations (a killed one's up to its last report). */
  handledByWorker(): number[] {
    const out = this.workers.slice(1).map(() => 0);
    for (const { index, report } of this.reports()) out[index - 1] += report.stats?.handled ?? 0;
    return out;
  }

  stats(): { handled: number; crashes: number } {
    let handled = 0;
    let crashes = 0;
    for (const { report } of this.reports()) {
      handled += report.stats?.handled ?? 0;
      crashes += report.stats?.crashes ?? 0;
    }
    return { handled, crashes };
  }
}
