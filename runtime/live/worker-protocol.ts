// Messages between the coordinator and its worker processes (Node's IPC channel).
import type { KafkaConnection } from './kafka-connection.js';
import type { LiveFault } from './live-faults.js';

export interface WorkerConfig {
  readonly index: number;
  /** A built-in scenario name or a module path, loaded again in the worker. */
  readonly scenario: string;
  readonly overrides: Record<string, unknown>;
  readonly seed: number;
  readonly t0: number;
  readonly runId: string;
  /** The run uses the user's existing topics, named this prefix + topic. */
  readonly existingTopicPrefix?: string;
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  readonly faults: readonly LiveFault[];
  /** Wall-clock ms the faults' times count from, once the load has started (a worker restarted after a kill gets it here). */
  readonly faultsFromMs?: number;
  /** Every one-of-a-kind service in a process of its own, reached over HTTP (the same in every process). */
  readonly serviceProcesses?: boolean;
  /** Set: this process hosts that one service (placement 'service'), not the workers. */
  readonly service?: string;
  /** Where the service processes listen, by actor (known when this process starts). */
  readonly peers?: Readonly<Record<string, string>>;
}

export type ToWorker =
  | { t: 'config'; config: WorkerConfig }
  | { t: 'send'; to: number; msg: unknown }
  /** The load started: the fault plan's times count from `originMs`. */
  | { t: 'faults-from'; originMs: number }
  /** Where the service processes listen now (one restarted: a new port). */
  | { t: 'peers'; urls: Record<string, string> }
  | { t: 'stop' };

export type FromWorker =
  /** Started; a service process says where its endpoint listens. */
  | { t: 'ready'; urls?: Record<string, string> }
  | { t: 'failed'; message: string }
  | { t: 'send'; to: number; msg: unknown }
  | { t: 'log'; line: string }
  /** A fault fired here: reported at once, so a worker killed later does not take the count with it. */
  | { t: 'fired'; fault: number }
  | { t: 'error'; error: { tMs: number; actor: string; message: string } }
  /** What it has measured so far (every second), and at the end: a killed worker's last one still counts. */
  | { t: 'metrics' | 'stopped'; counters: Record<string, number>; gauges?: Record<string, { last: number; max: number }>; histograms: { name: string; unit: 'ms' | 'count'; encoded: string }[]; errors: { tMs: number; actor: string; message: string }[]; stats?: { handled: number; crashes: number } };
