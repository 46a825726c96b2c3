// Runs a scenario in the simulator: the load phase (until the load generator has offered
// its load and the last fault has healed, with a deadline), the drain (until nothing is
// pending and nothing has happened for a settle time, or the liveness deadline), then
// the checks. Same seed and parameters, same history. A violation's key trace is
// collected by running the same seed again with a trace filter on those keys, so no
// run keeps an event log in memory.
import { performance } from 'node:perf_hooks';
import { Simulation, type SimOptions } from '../runtime/sim/kernel.js';
import { NdjsonTraceWriter } from '../runtime/sim/trace-file.js';
import { LOAD_UNFINISHED, NOT_DRAINED, runConditionFailed, type RunResult, type TimelinePoint } from '../reports/run-result.js';
import { mergeByName, type Checker, type InvariantResult, type Observation } from '../checks/types.js';
import { EntityWatch } from '../checks/entity.js';
import { completionOf, runResultOf, tableSizeGauge } from './result.js';
import { FaultPlanError, injectFaults } from '../faults/inject.js';
import { healTimeMs, type FaultPlan, type FaultReport } from '../faults/plan.js';
import { ScenarioError, type BaseParams, type Scenario } from './scenario.js';
import { buildSim, type BuiltTopology } from './sim-topology.js';
import { backlog, owedRows, pendingWork } from './drain.js';
import { defaultKeysOf, simObservation } from './observe.js';

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
  /** Percentile summaries of the histograms (default true); property runs need only the verdict. */
  readonly summaries?: boolean;
}

const CHUNK_MS = 1_000;
/** A timeline keeps at most this many points: past it, every other point goes and the interval doubles. */
const TIMELINE_POINTS_MAX = 1_024;
const TRACE_LINES_MAX = 200;
const SETTLE_MS = 1_000;
const DRAIN_DEADLINE_MS = 600_000;

/** Samples once per chunk, thinning itself to stay bounded (memory does not grow with run length). */
class Timeline {
  readonly points: TimelinePoint[] = [];
  private every = 1;
  private n = 0;

  constructor(private readonly sample: () => Omit<TimelinePoint, 'tMs'>) {}

  tick(tMs: number): void {
    if (this.n++ % this.every !== 0) return;
    this.points.push({ tMs: Math.round(tMs), ...this.sample() });
    if (this.points.length > TIMELINE_POINTS_MAX) {
      for (let i = 0; i * 2 < this.points.length; i++) this.points[i] = this.points[i * 2];
      this.points.length = Math.ceil(this.points.length / 2);
      this.every *= 2;
    }
  }
}

/** A run's moving parts, for its checks and for callers that look inside (claims, tests). */
export interface Executed<P extends BaseParams = BaseParams> {
  readonly sim: Simulation;
  readonly params: P;
  readonly built: BuiltTopology;
  readonly entities: readonly EntityWatch[];
  readonly checkers: readonly Checker[];
  readonly loadEndedAtMs: number;
  readonly loadUnfinished: boolean;
  readonly drained: boolean;
  /** What was still pending when the drain ended (empty when it settled). */
  readonly pending: readonly string[];
  /** The drain ended early: work pending and nothing happening (see stuckAfterMs). */
  readonly stuck: boolean;
  readonly faults: FaultReport[];
  readonly timeline: TimelinePoint[];
  /** Units completed so far (the first entity's ended, a declared counter, or requests answered), and of those shed. */
  completed(): number;
  shed(): number;
  observation(): Observation;
}

/** Runs load and drain (no checks yet) and hands back the simulation with everything observed. */
export function executeScenario<P extends BaseParams>(scenario: Scenario<P>, params: P, opts: RunOptions,
  onDeliver?: SimOptions['onDeliver'], setup?: (sim: Simulation) => void, onFire?: Parameters<typeof injectFaults>[2]): Executed<P> {
  const sim = new Simulation({ ...opts.sim, kafka: { ...scenario.kafka, ...opts.sim?.kafka }, seed: opts.seed, onDeliver });
  const built = buildSim(sim, scenario.topology(params));
  const entities = (scenario.entities ?? []).map((e) => new EntityWatch(e));
  for (const e of entities) sim.onCommit((store, writes) => e.onCommit(store, writes), [e.decl.store]);
  const checkers = [...entities.flatMap((e) => e.checkers()), ...(scenario.invariants?.(params) ?? [])];
  for (const c of checkers) if (c.onCommit !== undefined) sim.onCommit((store, writes, t) => c.onCommit!(store, writes, t), c.stores);
  let faults: FaultReport[];
  try {
    faults = injectFaults(sim, opts.faults ?? [], onFire);
  } catch (err) {
    if (err instanceof FaultPlanError) throw new ScenarioError(err.message);
    throw err;
  }
  setup?.(sim);
  const completed = () => completionOf(scenario, entities, sim.metrics, built.load()).completed;
  const shed = () => completionOf(scenario, entities, sim.metrics, built.load()).shed;
  sim.start();
  const tableSizes = scenario.metrics?.tableSizes ?? [];
  const timeline = new Timeline(() => {
    for (const t of tableSizes) sim.metrics.gauge(tableSizeGauge(t), sim.store(t.store).table(t.table).size);
    const gauges = sim.metrics.gaugeValues();
    return { offered: built.load()?.offered ?? 0, completed: completed(), shed: shed(), backlog: backlog(sim), ...(gauges !== undefined ? { gauges } : {}) };
  });
  timeline.tick(0);
  const progress = opts.onProgress;
  const loadFraction = () => {
    const l = built.load();
    return l === undefined || l.planned === 0 ? 1 : Math.min(1, l.offered / l.planned);
  };

  // Safety phase: the load, and the faults until the last one heals. A generator that
  // stops (it crashed, say) must not hang the run: the load has a deadline.
  const healAtMs = healTimeMs(opts.faults ?? []);
  const loadDeadlineMs = 2 * (built.load()?.plannedMs ?? 0) + 60_000;
  const loadDone = () => {
    if (built.loadActor === undefined) return true;
    const l = built.load();
    return l !== undefined && l.offered >= l.planned;
  };
  let loadUnfinished = false;
  while (!loadDone() || sim.nowMs < healAtMs) {
    if (!loadDone() && sim.nowMs >= loadDeadlineMs) {
      loadUnfinished = true;
      break;
    }
    if (!sim.runUntil(sim.nowMs + CHUNK_MS)) break;
    timeline.tick(sim.nowMs);
    progress?.(loadFraction(), 'load');
  }
  // Nothing left to happen and the load not all offered: the generator stopped (it crashed, say).
  if (!loadDone()) loadUnfinished = true;
  const loadEndedAtMs = sim.nowMs;

  // Liveness: until nothing is pending and nothing happened for the settle time, or the deadline.
  const deadline = loadEndedAtMs + (scenario.drain?.deadlineMs ?? DRAIN_DEADLINE_MS);
  const settleMs = scenario.drain?.settleMs ?? SETTLE_MS;
  let drained = false;
  let pending: string[] = [];
  let pendingSince = '';
  let stuck = false;
  for (;;) {
    const more = sim.runUntil(Math.min(deadline, sim.nowMs + CHUNK_MS));
    timeline.tick(sim.nowMs);
    progress?.(1, 'drain');
    pending = pendingWork(sim, built, entities);
    const quietMs = sim.nowMs - sim.lastProgressUs / 1000;
    // Settled: nothing pending, quiet, and every timer that stands for work has fired (a retry
    // after a 429, say, in a stage that declares nothing pending; one due after the liveness
    // deadline cannot be waited for) — or quiet for longer than the longest timer, so whatever
    // was set before the quiet began has fired and what was set since did nothing.
    if (pending.length === 0 && quietMs >= settleMs
      && (sim.nowMs >= Math.min(sim.workTimersDueUs / 1000, deadline - CHUNK_MS) || quietMs > sim.longestTimerUs / 1000)) {
      pending = owedRows(sim, built, entities);
      if (pending.length === 0) {
        drained = true;
        break;
      }
    }
    if (!more) {
      // Nothing left to happen at all: settled, or stuck for good.
      drained = pending.length === 0;
      stuck = !drained;
      break;
    }
    if (sim.nowMs >= deadline) break;
    // Stuck: the same work pending and nothing done for longer than any step of the pipeline
    // waits (see stuckAfterMs): nothing will change.
    const same = pending.join('; ') === pendingSince;
    pendingSince = pending.join('; ');
    if (pending.length > 0 && same && quietMs > stuckAfterMs(sim, opts.faults ?? []) && !sim.hasUnacknowledgedProduces() && !sim.hasPausedActor()) {
      stuck = true;
      break;
    }
  }
  return {
    sim, params, built, entities, checkers, loadEndedAtMs, loadUnfinished, drained, pending, stuck, faults, timeline: timeline.points,
    completed, shed, observation: () => simObservation(sim, built),
  };
}

/**
 * How long a pipeline with work pending may do nothing before it counts as stuck: several
 * times its longest timer (a caller that sweeps for time-outs every T/2 and retries after T
 * can sit idle for 3 × T/2), plus the Kafka clients' own timeouts.
 */
function stuckAfterMs(sim: Simulation, faults: FaultPlan): number {
  const k = sim.kafka;
  // A timestamp taken while a clock was off makes a wait that compares against it longer by
  // the skew; overlapping skews add up, so the sum bounds it.
  let skewMs = 0;
  for (const f of faults) if (f.kind === 'clock-skew') skewMs += Math.abs(f.skewMs);
  return 4 * (sim.longestTimerUs / 1000) + k.sessionTimeoutMs + k.heartbeatIntervalMs + k.requestTimeoutMs + k.fetchMaxWaitMs + 1_000 + skewMs;
}

/** The verdicts of a run: every checker's, merged by name, and the load and drain conditions. */
export function verdicts(ex: Executed): InvariantResult[] {
  const obs = ex.observation();
  const invariants = mergeByName(ex.checkers.map((c) => c.check(obs)));
  if (ex.loadUnfinished) {
    const l = ex.built.load();
    invariants.push(runConditionFailed('load-finished', LOAD_UNFINISHED,
      l === undefined ? `the load generator ${ex.built.loadActor?.name} was down when the load ended` : `the load generator had offered ${l.offered} of ${l.planned} requests when the load ended (at its deadline, or with nothing left to happen): it stopped, or was restarted and started over`));
  }
  if (!ex.drained) {
    invariants.push(runConditionFailed('drained', NOT_DRAINED, `${ex.stuck ? `stuck (nothing done for ${Math.round(ex.sim.nowMs - ex.sim.lastProgressUs / 1000)} ms)` : 'still busy at the liveness deadline'} at ${Math.round(ex.sim.nowMs)} ms, with pending: ${ex.pending.join('; ') || 'nothing named, but the pipeline kept working'}`));
  }
  return invariants;
}

export function runScenario<P extends BaseParams>(scenario: Scenario<P>, opts: RunOptions): RunResult {
  const params = scenario.parse(opts.overrides ?? {});
  const started = performance.now();
  const trace = opts.traceFile !== undefined ? new NdjsonTraceWriter(opts.traceFile) : undefined;
  let ex: Executed<P>;
  try {
    ex = executeScenario(scenario, params, opts, trace?.onDeliver);
  } finally {
    trace?.close();
  }
  const wallMs = performance.now() - started;
  const { sim, built } = ex;
  // Requests still waiting count in response time with how long they waited.
  const load = built.load();
  if (load !== undefined) for (const t of load.waiting()) sim.metrics.record(load.metric, sim.nowMs - t);
  const invariants = verdicts(ex);
  const ok = invariants.every((i) => i.ok) && sim.errors.length === 0;
  if (!ok && opts.traceViolations !== false) collectTraces(scenario, params, opts, invariants);
  return runResult(scenario, ex, invariants, ok, wallMs, opts);
}

function runResult<P extends BaseParams>(scenario: Scenario<P>, ex: Executed<P>, invariants: InvariantResult[], ok: boolean, wallMs: number, opts: RunOptions): RunResult {
  const { sim } = ex;
  return runResultOf(scenario, ex.params, {
    seed: opts.seed, obs: ex.observation(), entities: ex.entities, invariants, ok, metrics: sim.metrics, load: ex.built.load(),
    faults: ex.faults.map((f) => ({ ...f.fault, fired: f.fired })), timeline: ex.timeline, historyHash: sim.hash.digest(),
    completed: ex.completed(), shed: ex.shed(),
    // Throughput over the span the pipeline was busy (to its last progress).
    spanMs: sim.lastProgressUs / 1000,
    summaries: opts.summaries,
    sim: {
      events: sim.events,
      virtualMs: Math.round(sim.nowMs),
      loadEndedAtMs: Math.round(ex.loadEndedAtMs),
      drained: ex.drained,
      messagesLost: sim.messagesLost,
      crashes: sim.metrics.counter('crashes'),
      actorErrors: sim.errors,
    },
    wall: { ms: Math.round(wallMs), eventsPerSec: Math.round(sim.events / (wallMs / 1000)) },
  });
}

/** Runs the same seed again, recording what happens to the violating keys. */
function collectTraces<P extends BaseParams>(scenario: Scenario<P>, params: P, opts: RunOptions, invariants: InvariantResult[]): void {
  const wanted = new Map<string, string[]>();
  for (const inv of invariants) for (const v of inv.examples) if (v.key !== '-' && !wanted.has(v.key)) wanted.set(v.key, []);
  if (wanted.size === 0) return;
  const keysOf = scenario.keysOf ?? defaultKeysOf;
  const line = (key: string, text: string) => {
    const lines = wanted.get(key);
    if (lines !== undefined && lines.length < TRACE_LINES_MAX) lines.push(text);
  };
  const onDeliver = (tMs: number, actor: string, msg: unknown) => {
    const type = (msg as { type?: string }).type ?? '?';
    for (const k of keysOf(msg)) if (wanted.has(k)) line(k, `${tMs.toFixed(3)}ms ${actor} <- ${type}${describe(msg, k)}`);
  };
  // A write concerns a key when the row is stored under it, under a key made from it
  // ("order-7/created": a processed-events row of order-7), or names it in a field (a
  // parcel of a reservation).
  const rowKeys = (w: { key: unknown; prev: unknown; next: unknown }): string[] => {
    const key = String(w.key);
    const out = wanted.has(key) ? [key] : [];
    for (const k of wanted.keys()) if (key.length > k.length && key.startsWith(k) && !/[A-Za-z0-9]/.test(key[k.length])) out.push(k);
    for (const row of [w.next, w.prev]) {
      if (typeof row !== 'object' || row === null) continue;
      for (const v of Object.values(row)) if (typeof v === 'string' && v !== String(w.key) && wanted.has(v) && !out.includes(v)) out.push(v);
    }
    return out;
  };
  const firings = new Map<unknown, number>();
  executeScenario(scenario, params, { ...opts, onProgress: undefined }, onDeliver, (sim) => {
    sim.onCommit((store, writes, tMs) => {
      for (const w of writes) {
        for (const k of rowKeys(w)) line(k, `${tMs.toFixed(3)}ms ${store}.${w.table}[${String(w.key)}] ${w.next === undefined ? 'deleted' : '= ' + JSON.stringify(w.next)}`);
      }
    });
  }, (fault, tMs) => {
    // Every key's trace shows the faults that fired (the first few firings of each).
    const n = (firings.get(fault) ?? 0) + 1;
    firings.set(fault, n);
    if (n > 3) return;
    const { kind, ...target } = fault;
    for (const k of wanted.keys()) line(k, `${tMs.toFixed(3)}ms FAULT ${kind} ${Object.entries(target).map(([a, b]) => `${a}=${String(b)}`).join(' ')} fired${n === 3 ? ' (and maybe more)' : ''}`);
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
