// Runs a scenario in the simulator: the load phase (until the load generator is done),
// the drain phase (until the pipeline has been quiet for the scenario's quiet period,
// or the liveness deadline), then the checks. Same seed and parameters, same history.
// A violation's key trace is collected by running the same seed again with a trace
// filter on those keys, so no run keeps an event log in memory.
import { performance } from 'node:perf_hooks';
import { Simulation, type SimOptions } from './kernel.js';
import { NdjsonTraceWriter } from './trace-file.js';
import { summarizeAll } from '../../reports/latency.js';
import { NOT_DRAINED, RUN_RESULT_SCHEMA_VERSION, runConditionFailed, runMetrics, type RunResult } from '../../reports/run-result.js';
import type { BuiltScenario, Scenario } from '../../scenarios/types.js';
import { ScenarioError } from '../../scenarios/types.js';
import { FaultPlanError, injectFaults } from '../../faults/inject.js';
import { healTimeMs, type FaultPlan, type FaultReport } from '../../faults/plan.js';

export interface RunOptions {
  readonly seed: number;
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Streams every handled message as NDJSON to this file. */
  readonly traceFile?: string;
  /** Called about once per virtual second with a fraction in [0, 1] of the load offered. */
  readonly onProgress?: (fraction: number, phase: 'load' | 'drain') => void;
  /** Collect traces for violation examples (one more run of the same seed). Default true. */
  readonly traceViolations?: boolean;
  readonly sim?: Omit<SimOptions, 'seed' | 'onDeliver'>;
  readonly faults?: FaultPlan;
  /** Percentile summaries of the histograms (default true). Property runs need only the verdict, and
   * summarising walks every bucket of every histogram: it was a third of a 200-refund run's time. */
  readonly summaries?: boolean;
}

const CHUNK_MS = 1_000;
/** A timeline keeps at most this many points: past it, every other point goes and the interval doubles. */
const TIMELINE_POINTS_MAX = 1_024;

export type TimelinePoint = Readonly<Record<string, number>> & { readonly tMs: number };

/** Samples once per chunk, thinning itself to stay bounded (memory does not grow with run length). */
class Timeline {
  readonly points: TimelinePoint[] = [];
  private every = 1;
  private n = 0;

  constructor(private readonly sample: (() => Readonly<Record<string, number>>) | undefined) {}

  tick(tMs: number): void {
    if (this.sample === undefined || this.n++ % this.every !== 0) return;
    this.points.push({ tMs: Math.round(tMs), ...this.sample() });
    if (this.points.length > TIMELINE_POINTS_MAX) {
      for (let i = 0; i * 2 < this.points.length; i++) this.points[i] = this.points[i * 2];
      this.points.length = Math.ceil(this.points.length / 2);
      this.every *= 2;
    }
  }
}
const TRACE_LINES_MAX = 200;

export interface Executed {
  sim: Simulation;
  built: BuiltScenario;
  loadEndedAtMs: number;
  drained: boolean;
  faults: FaultReport[];
  timeline: TimelinePoint[];
}

/** Runs load and drain and hands back the simulation itself (its stores and topics), without the checks. */
export function executeScenario<P>(scenario: Scenario<P>, params: P, opts: RunOptions): Executed {
  return execute(scenario, params, opts);
}

function execute<P>(scenario: Scenario<P>, params: P, opts: RunOptions, onDeliver?: SimOptions['onDeliver'],
  setup?: (sim: Simulation, built: BuiltScenario) => void): Executed {
  const sim = new Simulation({ ...opts.sim, seed: opts.seed, onDeliver });
  const built = scenario.build(sim, params);
  let faults: FaultReport[] = [];
  try {
    faults = injectFaults(sim, opts.faults ?? []);
  } catch (err) {
    if (err instanceof FaultPlanError) throw new ScenarioError(err.message);
    throw err;
  }
  setup?.(sim, built);
  sim.start();
  const timeline = new Timeline(built.sample?.bind(built));
  timeline.tick(0);
  const progress = opts.onProgress;
  // Safety phase: the load, and the faults until the last one heals. Then liveness.
  const healAtMs = healTimeMs(opts.faults ?? []);
  while (!built.loadDone() || sim.nowMs < healAtMs) {
    if (!sim.runUntil(sim.nowMs + CHUNK_MS)) break;
    timeline.tick(sim.nowMs);
    progress?.(built.loadProgress?.() ?? 0, 'load');
  }
  const loadEndedAtMs = sim.nowMs;
  const deadline = loadEndedAtMs + built.drainDeadlineMs;
  let drained = false;
  for (;;) {
    const more = sim.runUntil(Math.min(deadline, sim.nowMs + CHUNK_MS));
    timeline.tick(sim.nowMs);
    progress?.(1, 'drain');
    // Quiet means no behaviour did anything for quietMs and no producer is still retrying
    // (retries are client machinery, not progress, but they still carry records).
    if (!more || (sim.nowMs - sim.lastProgressUs / 1000 >= built.quietMs && !sim.hasUnacknowledgedProduces())) {
      drained = true;
      break;
    }
    if (sim.nowMs >= deadline) break;
  }
  return { sim, built, loadEndedAtMs, drained, faults, timeline: timeline.points };
}

export function runScenario<P>(scenario: Scenario<P>, opts: RunOptions): RunResult {
  const params = scenario.params(opts.overrides ?? {});
  const started = performance.now();
  const trace = opts.traceFile !== undefined ? new NdjsonTraceWriter(opts.traceFile) : undefined;
  let ex: Executed;
  try {
    ex = execute(scenario, params, opts, trace?.onDeliver);
  } finally {
    trace?.close();
  }
  const wallMs = performance.now() - started;
  const { sim, built, loadEndedAtMs, drained, faults, timeline } = ex;
  const invariants = built.check();
  if (!drained) {
    invariants.push(runConditionFailed('drained', NOT_DRAINED, `still busy ${built.drainDeadlineMs} ms after the load ended`));
  }
  const ok = invariants.every((i) => i.ok) && sim.errors.length === 0;
  if (!ok && opts.traceViolations !== false && built.keysOf !== undefined) collectTraces(scenario, params, opts, invariants);

  const summary = built.summary();
  const { latencyMs, histograms } = opts.summaries !== false ? summarizeAll(sim.metrics) : { latencyMs: {}, histograms: {} };
  return {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    kind: 'run',
    scenario: scenario.name,
    seed: opts.seed,
    params: params as Record<string, unknown>,
    ok,
    historyHash: sim.hash.digest(),
    invariants,
    faults: faults.map((f) => ({ ...f.fault, fired: f.fired })),
    metrics: runMetrics(summary, sim.metrics, latencyMs, sim.lastProgressUs / 1000),
    histograms,
    timeline,
    sim: {
      events: sim.events,
      virtualMs: Math.round(sim.nowMs),
      loadEndedAtMs: Math.round(loadEndedAtMs),
      drained,
      messagesLost: sim.messagesLost,
      crashes: sim.metrics.counter('crashes'),
      actorErrors: sim.errors,
    },
    wall: { ms: Math.round(wallMs), eventsPerSec: Math.round(sim.events / (wallMs / 1000)) },
  };
}

/** Runs the same seed again, recording what happens to the violating keys. */
function collectTraces<P>(scenario: Scenario<P>, params: P, opts: RunOptions, invariants: RunResult['invariants']): void {
  const wanted = new Map<string, string[]>();
  for (const inv of invariants) for (const v of inv.examples) if (!wanted.has(v.key)) wanted.set(v.key, []);
  if (wanted.size === 0) return;
  let keysOf: ((m: unknown) => readonly string[]) | undefined;
  const line = (key: string, text: string) => {
    const lines = wanted.get(key);
    if (lines !== undefined && lines.length < TRACE_LINES_MAX) lines.push(text);
  };
  const onDeliver = (tMs: number, actor: string, msg: unknown) => {
    if (keysOf === undefined) return;
    const type = (msg as { type?: string }).type ?? '?';
    for (const k of keysOf(msg)) if (wanted.has(k)) line(k, `${tMs.toFixed(3)}ms ${actor} <- ${type}${describe(msg, k)}`);
  };
  execute(scenario, params, { ...opts, onProgress: undefined }, onDeliver, (sim, built) => {
    keysOf = built.keysOf;
    sim.onCommit((store, writes, tMs) => {
      for (const w of writes) {
        const k = String(w.key);
        if (wanted.has(k)) line(k, `${tMs.toFixed(3)}ms ${store}.${w.table}[${k}] ${w.next === undefined ? 'deleted' : '= ' + JSON.stringify(w.next)}`);
      }
    });
  });
  for (const inv of invariants) for (const v of inv.examples) v.trace = wanted.get(v.key);
}

function describe(msg: unknown, key: string): string {
  const m = msg as { topic?: string; partition?: number; records?: { key: string; offset: number }[]; batchId?: string; status?: string };
  if (m.records !== undefined) {
    const r = m.records.find((x) => x.key === key);
    return ` ${m.topic}/${m.partition}@${r?.offset}`;
  }
  if (m.batchId !== undefined) return ` batch ${m.batchId}`;
  if (m.status !== undefined) return ` ${m.status}`;
  return '';
}
