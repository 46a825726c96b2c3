// One incarnation of a worker process, as the coordinator's pool sees it: a process it
// forked (IPC) or one that a supervisor on another machine forked (`faultline worker --join`,
// over a WebSocket). Either way: give it its config, hear from it, SIGKILL it, see it end.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { KafkaConnection } from './kafka-connection.js';
import type { FromWorker, RunConfig, ToWorker } from './worker-protocol.js';

export interface WorkerChannel {
  /** Where it runs, for messages: "forked", "joined from HOST". */
  readonly where: string;
  /** The process has not ended (as far as the coordinator knows). */
  readonly alive: boolean;
  /** Starts the worker with this config. */
  start(config: RunConfig): void;
  send(msg: Exclude<ToWorker, { t: 'config' }>): void;
  /** SIGKILL: no goodbye, no flush. */
  kill(): void;
  on(event: 'message', cb: (m: FromWorker) => void): this;
  on(event: 'exit', cb: (code: number | null, signal: string | null) => void): this;
}

/** How a forked worker reaches the broker and the database, and where it listens. */
export interface LocalConnection {
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  readonly host: string;
}

/** `main`: the worker's entry module (a .ts one runs through tsx: tests run from source). */
export function forkWorker(main: string, conn: LocalConnection): WorkerChannel {
  const child = fork(main, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: main.endsWith('.ts') ? ['--import', 'tsx'] : [] });
  return new ForkedWorker(child, conn);
}

class ForkedWorker extends EventEmitter implements WorkerChannel {
  readonly where = 'forked';

  constructor(readonly child: ChildProcess, private readonly conn: LocalConnection) {
    super();
    child.on('message', (m: FromWorker) => this.emit('message', m));
    child.on('exit', (code, signal) => this.emit('exit', code, signal));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  start(config: RunConfig): void {
    this.child.send({ t: 'config', config: { ...config, ...this.conn } } satisfies ToWorker);
  }

  send(msg: Exclude<ToWorker, { t: 'config' }>): void {
    if (this.child.connected) this.child.send(msg);
    else if (msg.t === 'stop') this.child.kill('SIGKILL');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
