// The coordinator's worker processes: starts them (forked here, or joined from elsewhere
// through a supervisor there), hands them their configuration, tells them where every
// process listens, SIGKILLs and restarts them (a live fault), and collects what they
// counted when the run stops. Sends between actors do not pass through here: each process
// sends straight to the one that hosts the receiver (peer-links.ts).
import type { WorkerChannel } from './worker-channel.js';
import type { FromWorker, RunConfig, ToWorker } from './worker-protocol.js';

const READY_TIMEOUT_MS = 60_000;

type Report = Extract<FromWorker, { counters: Record<string, number> }>;

interface Worker {
  channel: WorkerChannel | undefined;
  ready: boolean;
  /** How its gauges are told apart: `w<index>`, or a service process's service. */
  label?: string;
  /** A service process's endpoint, by actor, as its current incarnation reported it. */
  urls?: Record<string, string>;
  /** Where its current incarnation takes sends. */
  peerUrl?: string;
  /** What this incarnation measured, as it last reported it (every second, and when it stops). */
  stats?: Report;
}

export interface Peers {
  /** Service processes' endpoints, by actor. */
  readonly urls: Record<string, string>;
  /** Where each process takes sends, by index (0: the coordinator). */
  readonly processes: Record<number, string>;
}

/** A report's last effect on the coordinator's clock: when the report arrived, less how long before it the effect was (never earlier than it really was: the report's way here only adds). */
export function onOurClock(m: Report, t0: number): Report {
  if (m.stats === undefined) return m;
  const ago = m.stats.lastProgressAgoMs;
  return { ...m, stats: { ...m.stats, lastProgressMs: ago === undefined ? 0 : Date.now() - t0 - ago } };
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  kills = 0;
  restarts = 0;
  private stopping = false;
  readonly errors: { tMs: number; actor: string; message: string }[] = [];
  /** The last reports of killed incarnations: what they measured until their last second counts too. */
  private readonly retired: { index: number; report: Report }[] = [];

  constructor(
    /** A new incarnation of worker `index`: a forked process, or one a joined supervisor forks. */
    private readonly launch: (index: number) => Promise<WorkerChannel>,
    private readonly config: (index: number) => RunConfig,
    /** Where the coordinator takes sends. */
    private readonly ownUrl: string,
    private readonly log: (line: string) => void,
    private readonly onFaultFired: (fault: number) => void = () => {},
    /** A process (re)started: where every process listens now. */
    private readonly onPeers: (peers: Peers) => void = () => {},
  ) {}

  /** Where the service processes (by actor) and every process (by index) listen. */
  get peers(): Peers {
    const processes: Record<number, string> = { 0: this.ownUrl };
    this.workers.forEach((w, i) => {
      if (w?.peerUrl !== undefined && w.ready) processes[i] = w.peerUrl;
    });
    return { urls: Object.assign({}, ...this.workers.map((w) => w?.urls ?? {})), processes };
  }

  /** Starts worker `index` (1-based) and resolves once it consumes. */
  async start(index: number): Promise<void> {
    const w: Worker = this.workers[index] ?? { channel: undefined, ready: false };
    this.workers[index] = w;
    w.ready = false;
    const channel = await this.launch(index);
    w.channel = channel;
    const config = this.config(index);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${index} (${channel.where}) did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      channel.on('message', (m: FromWorker) => {
        switch (m.t) {
          case 'ready':
            w.ready = true;
            clearTimeout(timer);
            w.peerUrl = m.peerUrl;
            if (m.urls !== undefined && Object.keys(m.urls).length > 0) w.urls = m.urls;
            this.onPeers(this.peers);
            resolve();
            break;
          case 'failed':
            clearTimeout(timer);
            reject(new Error(`worker ${index} (${channel.where}) could not start: ${m.message}`));
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
            if (w.channel === channel) w.stats = onOurClock(m, config.t0);
            break;
        }
      });
      channel.on('exit', (code, signal) => {
        if (w.channel === channel && w.ready) {
          w.ready = false;
          // Gone by itself (a crash, a lost machine): the others stop sending to it.
          if (!this.stopping) this.onPeers(this.peers);
        }
        if (signal === null && code !== 0 || signal === 'disconnected') {
          clearTimeout(timer);
          reject(new Error(`worker ${index} (${channel.where}) ${signal === 'disconnected' ? 'lost its connection to the coordinator' : `exited with code ${code}`}`));
        }
      });
      w.label = config.service ?? `w${index}`;
      channel.start(config);
    });
  }

  /** A message for every worker that is up (and ready). */
  broadcast(msg: Exclude<ToWorker, { t: 'config' }>): void {
    for (const w of this.workers) if (w?.channel !== undefined && w.ready && w.channel.alive) w.channel.send(msg);
  }

  /** SIGKILL: no goodbye, no flush; its partitions go to the other members after the session timeout. */
  kill(index: number): boolean {
    const w = this.workers[index];
    if (w?.channel === undefined || !w.channel.alive) return false;
    w.ready = false;
    w.channel.kill();
    this.kills++;
    if (w.stats !== undefined) this.retired.push({ index, report: w.stats });
    w.stats = undefined;
    // The others stop sending to it now (what they send meanwhile is lost, as to any dead process).
    this.onPeers(this.peers);
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
    this.stopping = true;
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      const channel = w?.channel;
      if (channel === undefined || !channel.alive) return resolve();
      const timer = setTimeout(() => {
        channel.kill();
        resolve();
      }, timeoutMs);
      channel.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      channel.send({ t: 'stop' });
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

  stats(): { handled: number; crashes: number; lastProgressMs: number } {
    let handled = 0;
    let crashes = 0;
    let lastProgressMs = 0;
    for (const { report } of this.reports()) {
      handled += report.stats?.handled ?? 0;
      crashes += report.stats?.crashes ?? 0;
      lastProgressMs = Math.max(lastProgressMs, report.stats?.lastProgressMs ?? 0);
    }
    return { handled, crashes, lastProgressMs };
  }
}
