// Runs a scenario live: its behaviours on a real Kafka broker and PostgreSQL, in this
// process (the coordinator: load generator and one-of-a-kind services) and N worker
// processes. Phases as in the simulator: load (until every request is answered or
// given up), drain (until the scenario says nothing is in flight and every consumer
// group has read everything, twice in a row, or the liveness deadline), then the same
// checks over what the database and the topics hold, and the same result schema.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Admin, Kafka } from 'kafkajs';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { Scenario } from '../../scenarios/types.js';
import { NOT_DRAINED, RUN_RESULT_SCHEMA_VERSION, runConditionFailed, runMetrics, type RunResult } from '../../reports/run-result.js';
import { summarizeAll } from '../../reports/latency.js';
import { PartitionLog } from '../sim/kafka/partition-log.js';
import { Metrics } from '../sim/metrics.js';
import type { SimStore } from '../sim/store.js';
import { PgStore, connectPg, readJournals } from './pg-store.js';
import { describeConnection, describeDbUrl, kafkaClient, type KafkaConnection } from './kafka-connection.js';
import { LiveNode } from './node.js';
import { runNaming } from './naming.js';
import { WorkerPool } from './worker-pool.js';
import type { LiveTopology, LiveWorld } from './topology.js';
import type { LiveFault } from './live-faults.js';
import { LiveFaultRunner } from './live-faults.js';
import { OwnBroker } from './own-broker.js';

/** The broker or the database cannot be used: bad usage (exit 2), said within SETUP_LIMIT_MS. */
export class LiveSetupError extends Error {}

const SETUP_LIMIT_MS = 30_000;
const POLL_MS = 500;

export interface LiveRunOptions {
  /** The scenario argument as given (a built-in name or a module path): worker processes load it again. */
  readonly scenarioRef: string;
  readonly seed: number;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  /** Worker processes; 0 runs every actor in this process. */
  readonly workers: number;
  readonly faults?: readonly LiveFault[];
  /** After the load, how long the pipeline may take to settle before what is left counts as lost. */
  readonly drainDeadlineMs?: number;
  readonly log?: (line: string) => void;
  readonly onProgress?: (fraction: number, phase: 'load' | 'drain') => void;
}

export interface LiveRunResult extends RunResult {
  readonly live: {
    readonly runId: string;
    readonly connection: Record<string, unknown>;
    readonly workers: number;
    readonly workerKills: number;
    readonly actorRestarts: number;
    readonly messagesHandled: number;
    /** Messages each worker process handled: a worker that got no partitions shows 0. */
    readonly messagesByWorker: number[];
  };
}

async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)))]);
  } catch (err) {
    throw new LiveSetupError(`${what}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to both, creates the run's topics; every failure is a LiveSetupError within the limit. */
async function setUp(kafka: Kafka, conn: KafkaConnection, dbUrl: string, topology: LiveTopology, prefix: string): Promise<{ pool: pg.Pool; admin: Admin }> {
  const started = Date.now();
  const left = () => Math.max(1_000, SETUP_LIMIT_MS - (Date.now() - started));
  const where = describeDbUrl(dbUrl);
  const pool = await within(`cannot use the database at ${where}`, left() / 2, connectPg(dbUrl, 8));
  const admin = kafka.admin();
  const brokers = conn.brokers.join(',');
  try {
    await within(`cannot reach a Kafka broker at ${brokers}`, left(), admin.connect());
    // A broker that has just started answers before it can lead partitions: retry what it calls retriable.
    await within(`the Kafka broker at ${brokers} did not create the run's topics`, left(), (async () => {
      for (;;) {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: topology.topics.map((t) => ({ topic: prefix + t.name, numPartitions: t.partitions, replicationFactor: 1 })),
          });
          // …and until every partition has a leader in the metadata clients will read.
          const meta = await admin.fetchTopicMetadata({ topics: topology.topics.map((t) => prefix + t.name) });
          if (meta.topics.some((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0))) throw Object.assign(new Error('partitions without a leader yet'), { retriable: true });
          return;
        } catch (err) {
          if ((err as { retriable?: boolean }).retriable !== true || Date.now() - started > SETUP_LIMIT_MS - 2_000) throw err;
          await sleep(500);
        }
      }
    })());
  } catch (err) {
    await admin.disconnect().catch(() => {});
    await pool.end().catch(() => {});
    throw err;
  }
  return { pool, admin };
}

/** Sum over every consumer group and topic it reads of (end offset - committed offset). */
async function consumerLag(admin: Admin, topology: LiveTopology, naming: ReturnType<typeof runNaming>): Promise<number> {
  const byGroup = await lagByGroup(admin, topology, naming);
  return Object.values(byGroup).reduce((a, b) => a + b, 0);
}

/** Records each consumer group has not committed yet, by group: where a stuck run's work waits. */
async function lagByGroup(admin: Admin, topology: LiveTopology, naming: ReturnType<typeof runNaming>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const ends = new Map<string, Map<number, number>>();
  for (const t of topology.topics) {
    const offs = await admin.fetchTopicOffsets(naming.topic(t.name));
    ends.set(t.name, new Map(offs.map((o) => [o.partition, Number(o.high)])));
  }
  const groups = new Map<string, string[]>();
  for (const a of topology.actors) if (a.consumes !== undefined) groups.set(a.consumes.group, [...a.consumes.topics]);
  for (const [group, topics] of groups) {
    const committed = await admin.fetchOffsets({ groupId: naming.group(group), topics: topics.map((t) => naming.topic(t)) });
    let lag = 0;
    for (const t of committed) {
      const end = ends.get(naming.logical(t.topic));
      for (const p of t.partitions) lag += Math.max(0, (end?.get(p.partition) ?? 0) - Math.max(0, Number(p.offset)));
    }
    out[group] = lag;
  }
  return out;
}

/** Every record of a topic, read back from the beginning by a throwaway group. */
async function readTopic(kafka: Kafka, admin: Admin, topic: string, partitions: number): Promise<PartitionLog[]> {
  const logs = Array.from({ length: partitions }, (_, p) => new PartitionLog(topic, p));
  const ends = await admin.fetchTopicOffsets(topic);
  let wanted = ends.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  if (wanted === 0) return logs;
  const consumer = kafka.consumer({ groupId: `${topic}.read-back.${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} back: ${wanted} records did not come within 60 s`)), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        logs[partition].append(message.key?.toString() ?? '', message.value === null ? null : JSON.parse(message.value.toString()));
        if (--wanted === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return logs;
}

export async function runLive<P>(scenario: Scenario<P>, o: LiveRunOptions): Promise<LiveRunResult> {
  if (scenario.live === undefined) throw new LiveSetupError(`scenario "${scenario.name}" has no live topology: it runs only in the simulator`);
  const log = o.log ?? (() => {});
  const params = scenario.params(o.overrides ?? {});
  const topology = scenario.live(params);
  for (const f of o.faults ?? []) {
    const actor = (f as { actor?: string }).actor;
    if (actor !== undefined && !topology.actors.some((a) => a.name === actor)) {
      throw new LiveSetupError(`the ${f.kind} fault names actor "${actor}", which this scenario does not have (its actors: ${topology.actors.map((a) => a.name).join(', ')})`);
    }
  }
  if ((o.faults ?? []).some((f) => f.kind === 'broker-restart') && OwnBroker.find(o.kafka.brokers) === undefined) {
    throw new LiveSetupError(`a broker-restart fault stops and starts the project's own broker (npm run kafka:up), and ${o.kafka.brokers.join(',')} is not one it started`);
  }
  const metrics = new Metrics();
  topology.useMetrics(metrics);
  const runId = `${Date.now().toString(36)}-${o.seed}`;
  const naming = runNaming(runId);
  const kafka = kafkaClient(o.kafka, 'faultline-coordinator');
  const { pool, admin } = await setUp(kafka, o.kafka, o.dbUrl, topology, naming.prefix);
  log(`live run ${runId}: topics ${topology.topics.map((t) => naming.topic(t.name)).join(', ')}`);

  const t0 = Date.now();
  let faults: LiveFaultRunner;
  const started = performance.now();
  let node: LiveNode | undefined;
  const workers = new WorkerPool(
    (index) => ({ index, scenario: o.scenarioRef, overrides: { ...o.overrides }, seed: o.seed, t0, runId, kafka: o.kafka, dbUrl: o.dbUrl, faults: o.faults ?? [] }),
    (ref, msg) => node?.deliverRemote(ref, msg),
    log,
    (fault) => faults.fire(fault),
  );
  const broker = OwnBroker.find(o.kafka.brokers);
  faults = new LiveFaultRunner(o.faults ?? [], { workers, t0, log, broker });
  node = new LiveNode({
    index: 0, topology, kafka, pool, naming, seed: o.seed, t0, log, metrics, faults: o.faults, onFaultFired: (fault) => faults.fire(fault),
    hosts: (s) => s.place !== 'worker' || o.workers === 0,
    remote: (ref, msg) => workers.route(ref, msg),
  });

  let loadEndedAtMs = 0;
  let loadStartedAtMs = 0;
  /** When the pipeline was first seen settled (the quiet polls that confirm it come after). */
  let settledAtMs = 0;
  let drained = false;
  let loadUnfinished = false;
  const timeline: (Record<string, number> & { tMs: number })[] = [];
  let sampler: NodeJS.Timeout | undefined;
  /** Once a second: what the scenario samples, and the consumer lag (skipped while a sample is still out). */
  const startSampler = () => {
    const sampleWorld = makeWorld(kafka, admin, pool, naming, topology, metrics, () => node!.nowMs(), false);
    let busy = false;
    const take = async () => {
      if (busy || topology.sample === undefined) return;
      busy = true;
      try {
        const tMs = Math.round(node!.nowMs());
        const s = await topology.sample(sampleWorld, node!.actors.get(topology.loadGenerator)!.state);
        const lag = await consumerLag(admin, topology, naming).catch(() => undefined);
        if (timeline.length < 2_000) timeline.push({ tMs, ...s, ...(lag === undefined ? {} : { lag }) });
      } catch {
        // the database or broker is away (a fault): no point this second
      } finally {
        busy = false;
      }
    };
    void take();
    return setInterval(() => void take(), 1_000);
  };
  try {
    for (let i = 1; i <= o.workers; i++) {
      await workers.start(i).catch((err: Error) => {
        throw new LiveSetupError(`worker process ${i} could not start: ${err.message}`);
      });
    }
    await node.start().catch((err: Error) => {
      throw new LiveSetupError(`the coordinator's actors could not start: ${err.message}`);
    });
    loadStartedAtMs = node.nowMs();
    faults.start();
    sampler = startSampler();
    const generator = node.actors.get(topology.loadGenerator)!;
    // The load phase has a deadline too: a load generator that stopped (it crashed, say) must not hang the run.
    const plannedMs = topology.plannedLoadMs ?? 60_000;
    const loadDeadline = Date.now() + 3 * plannedMs + 60_000;
    while (!topology.loadDone(generator.state)) {
      if (Date.now() > loadDeadline) {
        loadUnfinished = true;
        log(`the load did not finish within ${Math.round((loadDeadline - t0) / 1000)} s; draining what there is`);
        break;
      }
      await sleep(POLL_MS);
      o.onProgress?.(loadFraction(generator.state, params), 'load');
    }
    loadEndedAtMs = node.nowMs();
    await faults.healed();
    const deadline = Date.now() + (o.drainDeadlineMs ?? 120_000);
    const world = makeWorld(kafka, admin, pool, naming, topology, metrics, () => node!.nowMs(), false);
    let quietPolls = 0;
    while (Date.now() < deadline) {
      o.onProgress?.(1, 'drain');
      // While the broker is down (a fault) the lag cannot be read: not settled yet.
      const settled = await (async () => (await topology.settled(world.fresh())) && (await consumerLag(admin, topology, naming)) === 0)().catch(() => false);
      quietPolls = settled ? quietPolls + 1 : 0;
      if (quietPolls === 1) settledAtMs = node.nowMs();
      if (quietPolls >= 2) {
        drained = true;
        break;
      }
      await sleep(POLL_MS * 2);
    }
  } finally {
    if (sampler !== undefined) clearInterval(sampler);
    faults.stop();
    await workers.stop();
    await node.stop();
  }
  const wallMs = performance.now() - started;
  const nowMs = node.nowMs();
  try {
    const world = makeWorld(kafka, admin, pool, naming, topology, metrics, () => nowMs, true);
    for (const [k, v] of workers.counters) metrics.count(k, v);
    for (const h of workers.histograms) metrics.histogram(h.name, h.unit).add(decodeFromCompressedBase64(h.encoded));
    const invariants = await topology.check(world, node.actors.get(topology.loadGenerator)!.state);
    if (loadUnfinished) {
      invariants.push(runConditionFailed('load-finished', 'the load generator offered all its load and every request was answered or given up',
        'the load phase passed its deadline (3x its planned length + 60 s)'));
    }
    if (!drained) {
      const lag = await lagByGroup(admin, topology, naming).then((l) => Object.entries(l).map(([g, n]) => `${g} ${n}`).join(', '), () => 'unreadable');
      invariants.push(runConditionFailed('drained', NOT_DRAINED,
        `still busy ${(o.drainDeadlineMs ?? 120_000) / 1000} s after the load ended; records not committed per consumer group: ${lag}`));
    }
    const summary = await topology.summary(world);
    const errors = [...node.errors, ...workers.errors];
    const { latencyMs, histograms } = summarizeAll(metrics);
    const busyMs = (drained ? settledAtMs : nowMs) - loadStartedAtMs;
    const own = node.stats();
    const theirs = workers.stats();
    const handled = own.handled + theirs.handled;
    return {
      schemaVersion: RUN_RESULT_SCHEMA_VERSION,
      kind: 'run',
      scenario: scenario.name,
      seed: o.seed,
      params: params as Record<string, unknown>,
      ok: invariants.every((i) => i.ok) && errors.length === 0,
      // A live run's interleaving is the machine's, not the seed's: there is no history to hash.
      historyHash: 'live',
      invariants,
      faults: faults.report(),
      // Throughput from the first request to the pipeline settling: start-up and the confirming polls excluded.
      metrics: runMetrics(summary, metrics, latencyMs, busyMs),
      histograms,
      timeline,
      sim: {
        events: handled, virtualMs: Math.round(nowMs), loadEndedAtMs: Math.round(loadEndedAtMs), drained,
        messagesLost: workers.lostSends, crashes: own.crashes + theirs.crashes + workers.kills, actorErrors: errors,
      },
      wall: { ms: Math.round(wallMs), eventsPerSec: Math.round(handled / (wallMs / 1000)) },
      live: {
        runId, connection: describeConnection(o.kafka), workers: o.workers, workerKills: workers.kills,
        actorRestarts: own.crashes + theirs.crashes, messagesHandled: handled, messagesByWorker: workers.handledByWorker(),
      },
    };
  } finally {
    await admin.disconnect().catch(() => {});
    await pool.end().catch(() => {});
  }
}

function loadFraction(state: unknown, params: unknown): number {
  const next = (state as { next?: number }).next ?? 0;
  const total = (params as { refunds?: number }).refunds ?? 0;
  return total > 0 ? Math.min(1, (next - 1) / total) : 1;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeWorld(kafka: Kafka, admin: Admin, pool: pg.Pool, naming: ReturnType<typeof runNaming>, topology: LiveTopology,
  metrics: Metrics, now: () => number, cache: boolean): LiveWorld & { fresh(): LiveWorld } {
  const stores = new Map<string, Promise<SimStore>>();
  const topics = new Map<string, Promise<PartitionLog[]>>();
  const world: LiveWorld & { fresh(): LiveWorld } = {
    metrics,
    get nowMs() {
      return now();
    },
    loadStore(name) {
      if (!cache) return new PgStore(pool, naming.store(name)).load();
      let s = stores.get(name);
      if (s === undefined) stores.set(name, (s = new PgStore(pool, naming.store(name)).load()));
      return s;
    },
    async journal(names) {
      const entries = await readJournals(pool, names.map((n) => naming.store(n)));
      const back = new Map(names.map((n) => [naming.store(n), n]));
      return entries.map((e) => ({ ...e, store: back.get(e.store) ?? e.store }));
    },
    async countRows(store, table, field, notEqual) {
      const r = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM faultline_rows WHERE store = $1 AND tbl = $2 AND row IS NOT NULL AND row->>$3 IS DISTINCT FROM $4',
        [naming.store(store), table, field, notEqual]);
      return Number(r.rows[0].n);
    },
    readTopic(name) {
      let t = topics.get(name);
      if (t === undefined) {
        const spec = topology.topics.find((x) => x.name === name);
        topics.set(name, (t = readTopic(kafka, admin, naming.topic(name), spec?.partitions ?? 1)));
      }
      return t;
    },
    fresh: () => makeWorld(kafka, admin, pool, naming, topology, metrics, now, true),
  };
  return world;
}
