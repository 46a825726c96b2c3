// Messages between the coordinator and its worker processes: over Node's IPC channel for a
// worker it forked, over a WebSocket to `faultline worker --join` (a supervisor that forks the
// worker on its own machine) for one that joined. Only control goes this way: sends between
// actors go straight between processes (peer-links.ts).
import type { KafkaConnection } from './kafka-connection.js';
import type { LiveFault } from './live-faults.js';

/** What the coordinator tells every worker process; the same for a forked and a joined one. */
/** What a process's actors did: messages handled, crashes, and when an effect last landed. */
export interface ProcessStats {
  readonly handled: number;
  readonly crashes: number;
  /** On the run's clock (0 if never). A worker's is rewritten on the coordinator's clock when its report arrives. */
  readonly lastProgressMs?: number;
  /** How long before the report the last effect landed: a duration, so another machine's clock does not enter it. */
  readonly lastProgressAgoMs?: number;
}

export interface RunConfig {
  readonly index: number;
  /** A built-in scenario name or a module path, loaded again in the worker. */
  readonly scenario: string;
  /** The loaded scenario's shape (topics, actors, placements): a worker running another version refuses to start. */
  readonly fingerprint: string;
  readonly overrides: Record<string, unknown>;
  readonly seed: number;
  readonly t0: number;
  readonly runId: string;
  /** The run uses the user's existing topics, named this prefix + topic. */
  readonly existingTopicPrefix?: string;
  readonly faults: readonly LiveFault[];
  /** Wall-clock ms the faults' times count from, once the load has started (a worker restarted after a kill gets it here). */
  readonly faultsFromMs?: number;
  /** Every one-of-a-kind service in a process of its own, reached over HTTP (the same in every process). */
  readonly serviceProcesses?: boolean;
  /** Set: this process hosts that one service (placement 'service'), not the workers. */
  readonly service?: string;
  /** Where the service processes listen, by actor (known when this process starts). */
  readonly peers?: Readonly<Record<string, string>>;
  /** Where each process of the run takes sends, by process index. */
  readonly processes: Readonly<Record<number, string>>;
  /** Every connection between the run's processes carries it. */
  readonly peerToken: string;
}

/** What a worker process needs besides: how it reaches the broker and the database, and the address it listens on. */
export interface WorkerConfig extends RunConfig {
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  /** The address other processes reach this one by (its endpoints listen there). */
  readonly host: string;
}

export type ToWorker =
  | { t: 'config'; config: WorkerConfig }
  /** The load started: the fault plan's times count from `originMs`. */
  | { t: 'faults-from'; originMs: number }
  /** Where the service processes (by actor) and every process (by index) listen now (one restarted: a new port). */
  | { t: 'peers'; urls: Record<string, string>; processes: Record<number, string> }
  | { t: 'stop' };

export type FromWorker =
  /** Started: where it takes sends, and a service process where its endpoint listens. */
  | { t: 'ready'; peerUrl: string; urls?: Record<string, string> }
  | { t: 'failed'; message: string }
  | { t: 'log'; line: string }
  /** A fault fired here: reported at once, so a worker killed later does not take the count with it. */
  | { t: 'fired'; fault: number }
  | { t: 'error'; error: { tMs: number; actor: string; message: string } }
  /** What it has measured so far (every second), and at the end: a killed worker's last one still counts. */
  | { t: 'metrics' | 'stopped'; counters: Record<string, number>; gauges?: Record<string, { last: number; max: number }>; histograms: { name: string; unit: 'ms' | 'count'; encoded: string }[]; errors: { tMs: number; actor: string; message: string }[]; stats?: ProcessStats };

/** Bumped when the join protocol changes: a supervisor of another version is refused. */
// 2: stats carry lastProgressAgoMs; the store's functions keep to their indexes (an older worker would recreate them without).
export const JOIN_PROTOCOL = 2;

/** Coordinator to a joined supervisor: a worker's messages (its config without the connection), and the kill fault. */
export type ToSupervisor =
  | Exclude<ToWorker, { t: 'config' }>
  | { t: 'config'; config: RunConfig }
  /** SIGKILL the worker process (a fault); a later config starts it again. */
  | { t: 'kill' }
  /** Not taken: why (the run has its workers, another protocol…). */
  | { t: 'refused'; message: string };

/** A joined supervisor to the coordinator: its worker's messages, and when that process ended. */
export type FromSupervisor =
  | FromWorker
  /** `nowMs`: its clock when it said hello (the run's times are wall-clock ms: clocks must agree). */
  | { t: 'hello'; protocol: number; host: string; nowMs: number }
  | { t: 'exit'; code: number | null; signal: string | null };
