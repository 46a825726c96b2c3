// The coordinator's side of workers that join a run from elsewhere: each `faultline worker
// --join` is a supervisor on its own machine that connects here (JOIN_PATH, with the run's
// token), is given a worker index, and forks that worker there, again after a kill fault.
// Its worker reaches the broker and the database with its own connection settings: the
// coordinator's secrets never cross the network.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { WorkerChannel } from './worker-channel.js';
import { JOIN_PROTOCOL, type FromSupervisor, type RunConfig, type ToSupervisor, type ToWorker } from './worker-protocol.js';

const HELLO_TIMEOUT_MS = 10_000;
/** Clocks further apart than this are said: time-outs, leases and fault times count in wall-clock ms from the run's start. */
const CLOCK_SKEW_WARN_MS = 1_000;

/** A frame from a supervisor: its hello, or a message of its worker's k-th incarnation. */
type Frame = Extract<FromSupervisor, { t: 'hello' }> | { k: number; m: Exclude<FromSupervisor, { t: 'hello' }> };

class Supervisor {
  private current: JoinedIncarnation | undefined;
  private incarnations = 0;
  connected = true;

  constructor(private readonly ws: WebSocket, readonly host: string) {
    ws.on('message', (data: Buffer) => {
      let f: Frame;
      try {
        f = JSON.parse(data.toString('utf8')) as Frame;
      } catch {
        return;
      }
      if (!('k' in f) || this.current === undefined || f.k !== this.current.k) return; // an earlier incarnation's last words
      if (f.m.t === 'exit') this.current.ended(f.m.code, f.m.signal);
      else this.current.emit('message', f.m);
    });
    ws.on('close', () => {
      this.connected = false;
      this.current?.ended(null, 'disconnected');
    });
  }

  /** The channel to its worker's next incarnation. */
  incarnation(): JoinedIncarnation {
    this.current = new JoinedIncarnation(this, ++this.incarnations);
    return this.current;
  }

  send(m: ToSupervisor & { k?: number }): void {
    if (this.connected) this.ws.send(JSON.stringify(m));
  }

  close(): void {
    this.ws.close();
  }
}

class JoinedIncarnation extends EventEmitter implements WorkerChannel {
  private ended_ = false;

  constructor(private readonly sup: Supervisor, readonly k: number) {
    super();
  }

  get where(): string {
    return `joined from ${this.sup.host}`;
  }

  get alive(): boolean {
    return !this.ended_ && this.sup.connected;
  }

  start(config: RunConfig): void {
    this.sup.send({ t: 'config', config, k: this.k });
  }

  send(msg: Exclude<ToWorker, { t: 'config' }>): void {
    this.sup.send(msg);
  }

  kill(): void {
    this.sup.send({ t: 'kill' });
  }

  ended(code: number | null, signal: string | null): void {
    if (this.ended_) return;
    this.ended_ = true;
    this.emit('exit', code, signal);
  }
}

export class JoinedWorkers {
  private readonly idle: Supervisor[] = [];
  private readonly byIndex = new Map<number, Supervisor>();
  private readonly waiting: ((s: Supervisor) => void)[] = [];
  private closed = false;

  constructor(private readonly expected: number, private readonly log: (line: string) => void) {}

  /** A connection on JOIN_PATH (the token was checked): it says hello, then waits for a worker index. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    const from = req.socket.remoteAddress ?? '?';
    const timer = setTimeout(() => ws.terminate(), HELLO_TIMEOUT_MS);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      let hello: Frame;
      try {
        hello = JSON.parse(data.toString('utf8')) as Frame;
      } catch {
        return void ws.terminate();
      }
      const refuse = (message: string) => {
        this.log(`a worker from ${from} was turned away: ${message}`);
        ws.send(JSON.stringify({ t: 'refused', message } satisfies ToSupervisor));
        ws.close();
      };
      if (!('t' in hello) || hello.t !== 'hello') return void ws.terminate();
      if (hello.protocol !== JOIN_PROTOCOL) return refuse(`it speaks join protocol ${hello.protocol}, this run ${JOIN_PROTOCOL}: run the same faultline version on every machine`);
      if (this.closed) return refuse('the run is over');
      const wanted = this.expected - [...this.byIndex.values()].filter((s) => s.connected).length - this.idle.length;
      if (this.waiting.length === 0 && wanted <= 0) return refuse(`the run has the ${this.expected} joined worker${this.expected === 1 ? '' : 's'} it asked for`);
      const s = new Supervisor(ws, `${hello.host} (${from})`);
      const skew = hello.nowMs - Date.now();
      if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) this.log(`the clock of ${s.host} is ${Math.round(skew)} ms off this machine's (network delay included): its time-outs, leases and fault times are off by as much; synchronise the clocks (NTP)`);
      ws.on('close', () => {
        const i = this.idle.indexOf(s);
        if (i >= 0) this.idle.splice(i, 1);
      });
      const next = this.waiting.shift();
      if (next !== undefined) next(s);
      else this.idle.push(s);
    });
  }

  /**
   * Worker `index`'s next incarnation: on its supervisor if that is still connected (a
   * restart after a kill), else on the next supervisor to join (within `timeoutMs`).
   */
  async claim(index: number, timeoutMs: number, stop?: AbortSignal): Promise<WorkerChannel> {
    if (stop?.aborted === true) throw new Error('the run was stopped');
    const had = this.byIndex.get(index);
    if (had?.connected === true) return had.incarnation();
    const s = this.idle.shift() ?? await new Promise<Supervisor>((resolve, reject) => {
      const give = (sup: Supervisor) => {
        clearTimeout(timer);
        resolve(sup);
      };
      const giveUp = (why: string) => {
        clearTimeout(timer);
        const i = this.waiting.indexOf(give);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(why));
      };
      const timer = setTimeout(() => giveUp(`no worker joined within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      this.waiting.push(give);
      stop?.addEventListener('abort', () => giveUp('the run was stopped'), { once: true });
    });
    this.byIndex.set(index, s);
    this.log(`worker ${index} joined from ${s.host}`);
    return s.incarnation();
  }

  /** The run is over: supervisors still connected are told so (one whose worker a kill left down too) and let go. */
  close(): void {
    this.closed = true;
    for (const s of [...this.idle, ...this.byIndex.values()]) {
      s.send({ t: 'stop' });
      s.close();
    }
    this.idle.length = 0;
  }
}
