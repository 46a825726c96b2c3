// `faultline worker --join URL`: joins a live run from this machine. Connects to the
// coordinator (with the run's token), is given a worker index and the run's configuration,
// and forks the worker process here with this machine's own broker and database settings;
// forks it again when a kill fault has SIGKILLed it; relays the worker's reports. Sends
// between actors do not pass through it: the worker sends straight to the other processes.
import { fork, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { KafkaConnection } from '../../runtime/live/kafka-connection.js';
import { TOKEN_HEADER } from '../../runtime/live/peer-links.js';
import { JOIN_PROTOCOL, type FromSupervisor, type FromWorker, type ToSupervisor, type ToWorker, type WorkerConfig } from '../../runtime/live/worker-protocol.js';

const WORKER_MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker-main.ts' : './worker-main.js', import.meta.url));

export interface SupervisorOptions {
  /** The coordinator's join URL, as `faultline live … --join-workers N` printed it. */
  readonly joinUrl: string;
  readonly token: string;
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  /** The address the other processes reach this machine by (default: the one it reached the coordinator from). */
  readonly host?: string;
  /** Where the scenario module is on this machine, if not at the path the coordinator gave. */
  readonly scenario?: string;
  readonly log: (line: string) => void;
  /** Aborted (a signal): the worker stops, and the coordinator sees this worker go. */
  readonly stop?: AbortSignal;
}

/** How a supervisor ended: 0 the run ended, 1 the connection was lost, 2 not taken (the reason in `message`). */
export interface SupervisorEnd {
  readonly code: 0 | 1 | 2;
  readonly message: string;
}

export function superviseWorker(o: SupervisorOptions): Promise<SupervisorEnd> {
  return new Promise((resolve) => {
    let child: ChildProcess | undefined;
    let childExited: Promise<void> = Promise.resolve();
    let host = o.host;
    let stopping = false;
    let index: number | undefined;
    let ended = false;
    /** Why its worker could not start (another scenario version, say): this supervisor then ends with 2. */
    let failure: string | undefined;
    const end = (e: SupervisorEnd) => {
      if (ended) return;
      ended = true;
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      ws.close();
      resolve(e);
    };
    const ws = new WebSocket(o.joinUrl, { headers: { [TOKEN_HEADER]: o.token }, perMessageDeflate: false, handshakeTimeout: 10_000 });
    const tell = (k: number, m: Exclude<FromSupervisor, { t: 'hello' }>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ k, m }));
    };
    ws.on('upgrade', (res) => {
      // By default, the address this machine reached the coordinator from: the others reach it there too.
      host ??= (res.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    });
    ws.on('unexpected-response', (_req, res) => {
      end({ code: 2, message: res.statusCode === 401 ? `the run at ${o.joinUrl} refused this token: set FAULTLINE_JOIN_TOKEN to the token of the run` : `${o.joinUrl} is not a faultline run accepting workers (HTTP ${res.statusCode}): give the join URL the run printed` });
    });
    ws.on('error', (err: Error & { code?: string }) => {
      end({ code: 2, message: `cannot join the run at ${o.joinUrl}: ${err.code === 'ECONNREFUSED' ? 'nothing listens there (start faultline live … --join-workers N first, and give the URL it prints)' : err.message}` });
    });
    ws.on('open', () => {
      ws.send(JSON.stringify({ t: 'hello', protocol: JOIN_PROTOCOL, host: hostname(), nowMs: Date.now() } satisfies FromSupervisor));
      o.log(`joined the run at ${o.joinUrl}; waiting for its configuration`);
    });
    ws.on('close', () => {
      if (failure !== undefined) end({ code: 2, message: `worker ${index} could not start: ${failure}` });
      else if (stopping) end({ code: 0, message: `the run ended${index === undefined ? '' : ` (this was worker ${index})`}` });
      else end({ code: 1, message: `the connection to the run at ${o.joinUrl} was lost${index === undefined ? ' before it gave this worker an index' : ` (this was worker ${index})`}: the worker was stopped` });
    });
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as ToSupervisor & { k?: number };
      switch (m.t) {
        case 'refused':
          end({ code: 2, message: `the run at ${o.joinUrl} did not take this worker: ${m.message}` });
          break;
        case 'config': {
          const k = m.k ?? 0;
          const config: WorkerConfig = { ...m.config, scenario: o.scenario ?? m.config.scenario, kafka: o.kafka, dbUrl: o.dbUrl, host: host ?? '127.0.0.1' };
          index = config.index;
          // A restart after a kill: the killed process is gone before the new one starts.
          void childExited.then(() => {
            if (ended) return;
            o.log(`starting worker ${index}${k > 1 ? ' again' : ''} (peers reach it at ${config.host})`);
            const c = fork(WORKER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: WORKER_MAIN.endsWith('.ts') ? ['--import', 'tsx'] : [] });
            child = c;
            childExited = new Promise((done) => c.once('exit', (code, signal) => {
              tell(k, { t: 'exit', code, signal });
              if (stopping) ws.close();
              done();
            }));
            c.on('message', (wm: FromWorker) => {
              if (wm.t === 'failed') failure = wm.message;
              tell(k, wm);
            });
            c.send({ t: 'config', config } satisfies ToWorker);
          });
          break;
        }
        case 'kill':
          o.log(`worker ${index}: SIGKILL (a fault of the run)`);
          child?.kill('SIGKILL');
          break;
        case 'stop':
          stopping = true;
          if (child?.connected === true) child.send(m);
          else ws.close();
          break;
        default:
          if (child?.connected === true) child.send(m);
      }
    });
    o.stop?.addEventListener('abort', () => {
      o.log(`${String(o.stop?.reason)}: stopping worker ${index ?? '(none yet)'}; the run goes on without it`);
      stopping = true;
      if (child?.connected === true) child.send({ t: 'stop' } satisfies ToWorker);
      else ws.close();
    }, { once: true });
  });
}
