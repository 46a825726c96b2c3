// Runs a scenario live: its behaviours on a real Kafka broker and PostgreSQL, in this
// process (the coordinator: load generator and one-of-a-kind services) and N worker
// processes. Phases as in the simulator: load (until every request is answered or
// given up, with a deadline), drain (until nothing is pending, every entity has ended
// and every consumer group has read everything, twice in a row, or the liveness
// deadline), then the same checkers over what the database and the topics hold, and
// the same result schema.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Admin, Kafka } from 'kafkajs';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { InputError } from '../../runtime/input-error.js';
import { PartitionLog } from '../../runtime/sim/kafka/partition-log.js';
import { Metrics } from '../../runtime/sim/metrics.js';
import { SimStore } from '../../runtime/sim/store.js';
import type { LoadView } from '../../runtime/contract.js';
import { connectPg, readJournals, readStore } from '../../runtime/live/pg-store.js';
import { describeConnection, describeDbUrl, kafkaClient, type KafkaConnection } from '../../runtime/live/kafka-connection.js';
import { LiveNode } from '../../runtime/live/node.js';
import { runNaming, type RunNaming } from '../../runtime/live/naming.js';
import { removeRun } from '../../runtime/live/cleanup.js';
import { whileRetriable } from '../../runtime/live/retriable.js';
import { WorkerPool } from '../../runtime/live/worker-pool.js';
import type { RunConfig } from '../../runtime/live/worker-protocol.js';
import { forkWorker } from '../../runtime/live/worker-channel.js';
import { JoinedWorkers } from '../../runtime/live/joined-workers.js';
import { PeerLinks, PeerServer } from '../../runtime/live/peer-links.js';
import { REF_STRIDE } from '../../runtime/live/node.js';
import { randomBytes } from 'node:crypto';
import { scenarioFingerprint } from './fingerprint.js';
import type { LiveHostTopology } from '../../runtime/live/topology.js';
import { LiveFaultRunner, type LiveFault } from '../../runtime/live/live-faults.js';
import { OwnBroker } from '../../runtime/live/own-broker.js';
import { EntityWatch, pluralOf } from '../../checks/entity.js';
import { mergeByName, type Observation } from '../../checks/types.js';
import { LOAD_UNFINISHED, NOT_DRAINED, runConditionFailed, type RunResult, type TimelinePoint } from '../../reports/run-result.js';
import type { BaseParams, Scenario } from '../scenario.js';
import { completionOf, runResultOf, tableSizeGauge } from '../result.js';
import { livePlan } from './live-plan.js';
import { STEP_CRASH_POINTS } from '../../runtime/sim/kernel.js';
import { checkThresholds, measurableOf, type Threshold, type ThresholdCheck } from '../../reports/slo.js';

/** The broker or the database cannot be used: bad usage (exit 2), said within SETUP_LIMIT_MS. */
export class LiveSetupError extends InputError {}
/** A worker that was to join did not, or could not start (another scenario version, say): exit 2 too. */
export class JoinError extends LiveSetupError {}

const SETUP_LIMIT_MS = 30_000;
const POLL_MS = 500;
// Built, the worker is a .js file next to this one; run from source (tests), the .ts, through tsx.
const WORKER_MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker-main.ts' : './worker-main.js', import.meta.url));

export interface LiveRunOptions {
  /** The scenario argument as given (a built-in name or a module path): worker processes load it again. */
  readonly scenarioRef: string;
  readonly seed: number;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly kafka: KafkaConnection;
  readonly dbUrl: string;
  /** Worker processes forked here; 0 (and none joining) runs every actor in this process. */
  readonly workers: number;
  /** Worker processes that join from elsewhere (`faultline worker --join`), after the forked ones: the load waits for them. */
  readonly joinWorkers?: number;
  /** Where the run's processes take each other's sends, and joining workers connect: an address other machines reach this one by (default 127.0.0.1, any port). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** The token every connection between the run's processes carries (default: a random one); joining workers need it. */
  readonly joinToken?: string;
  /** How long to wait for the joining workers (default 120 s). */
  readonly joinTimeoutMs?: number;
  /** The run accepts joining workers at this URL now. */
  readonly onJoinable?: (joinUrl: string) => void;
  /** Every one-of-a-kind service in a process of its own, the calls between them over HTTP. */
  readonly serviceProcesses?: boolean;
  readonly faults?: readonly LiveFault[];
  /** After the load, how long the pipeline may take to settle before what is left counts as lost. */
  readonly drainDeadlineMs?: number;
  readonly log?: (line: string) => void;
  /** The service level the run is held to (thresholds over its result): `live.serviceLevel` says whether it was met. */
  readonly slo?: readonly Threshold[];
  /** Aborted (a signal): stop the load or the drain, stop the workers and any fault under way, and return what the run has, not judged. */
  readonly stop?: AbortSignal;
  /** Keep the run's topics, groups and rows (default: removed once the result is read). */
  readonly keep?: boolean;
  /** Use the user's existing topics named PREFIX + topic instead of creating the run's own (read from their ends). */
  readonly existingTopicPrefix?: string;
  readonly onProgress?: (fraction: number, phase: 'load' | 'drain') => void;
}

export interface LiveRunResult extends RunResult {
  readonly live: {
    readonly runId: string;
    readonly connection: Record<string, unknown>;
    readonly workers: number;
    /** Of `workers`, how many joined from elsewhere. */
    readonly joinedWorkers?: number;
    /** Services each in a process of its own, reached over HTTP (0: in the coordinator). */
    readonly serviceProcesses: number;
    readonly workerKills: number;
    readonly actorRestarts: number;
    readonly messagesHandled: number;
    /** Messages each worker process handled: a worker that got no partitions shows 0. */
    readonly messagesByWorker: number[];
    /** The thresholds the run was held to, each with what was measured; ok when all passed (exit 3 otherwise). */
    readonly serviceLevel: { readonly ok: boolean; readonly checks: ThresholdCheck[] };
    /** The signal that stopped the run before it finished (its invariants were not judged). */
    readonly stopped?: string;
    /** What became of the run's topics, groups and rows: removed, kept (--keep), or what could not be removed. */
    readonly leftovers: 'removed' | 'kept' | string[];
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

/** Where the run starts reading each topic, by broker topic and partition (0 for the run's own topics). */
type StartOffsets = Map<string, Map<number, number>>;

/**
 * Connects to both, creates the run's topics (or checks the user's existing ones and
 * notes where they end); every failure is a LiveSetupError within the limit.
 */
async function setUp(kafka: Kafka, conn: KafkaConnection, dbUrl: string, topology: LiveHostTopology, naming: RunNaming): Promise<{ pool: pg.Pool; admin: Admin; starts: StartOffsets }> {
  const started = Date.now();
  const left = () => Math.max(1_000, SETUP_LIMIT_MS - (Date.now() - started));
  const where = describeDbUrl(dbUrl);
  const pool = await within(`cannot use the database at ${where}`, left() / 2, connectPg(dbUrl, 8));
  const admin = kafka.admin();
  const brokers = conn.brokers.join(',');
  try {
    await within(`cannot reach a Kafka broker at ${brokers}`, left(), admin.connect());
    if (naming.existingTopics) return { pool, admin, starts: await existingTopicStarts(admin, topology, naming) };
    // A broker that has just started answers before it can lead partitions: retry what it calls retriable.
    await within(`the Kafka broker at ${brokers} did not create the run's topics`, left(), (async () => {
      for (;;) {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: topology.topics.map((t) => ({ topic: naming.topic(t.name), numPartitions: t.partitions, replicationFactor: 1 })),
          });
          // …and until every partition has a leader in the metadata clients will read.
          const meta = await admin.fetchTopicMetadata({ topics: topology.topics.map((t) => naming.topic(t.name)) });
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
  return { pool, admin, starts: new Map() };
}

/**
 * The user's topics must be there with the topology's partition counts (keys land where
 * the simulator puts them). They hold earlier records: each of the run's groups starts at
 * their ends now, as does the read-back of a kept topic.
 */
async function existingTopicStarts(admin: Admin, topology: LiveHostTopology, naming: RunNaming): Promise<StartOffsets> {
  const have = new Set(await admin.listTopics());
  const wrong: string[] = [];
  for (const t of topology.topics) {
    const name = naming.topic(t.name);
    if (!have.has(name)) {
      wrong.push(`${name} (${t.partitions} partitions) does not exist`);
      continue;
    }
    const meta = await admin.fetchTopicMetadata({ topics: [name] });
    const n = meta.topics[0]?.partitions.length ?? 0;
    if (n !== t.partitions) wrong.push(`${name} has ${n} partitions, the scenario's ${t.name} ${t.partitions}`);
  }
  if (wrong.length > 0) {
    throw new LiveSetupError(`--existing-topics: ${wrong.join('; ')}. Create them as listed (faultline describe shows the scenario's topics), or leave out --existing-topics to let the run create its own`);
  }
  const starts: StartOffsets = new Map();
  for (const t of topology.topics) {
    const name = naming.topic(t.name);
    starts.set(name, new Map((await admin.fetchTopicOffsets(name)).map((o) => [o.partition, Number(o.high)])));
  }
  const groups = new Map<string, string[]>();
  for (const a of topology.actors) if (a.consumes !== undefined) groups.set(a.consumes.group, [...a.consumes.topics]);
  for (const [group, topics] of groups) {
    for (const t of topics) {
      const name = naming.topic(t);
      await admin.setOffsets({ groupId: naming.group(group), topic: name, partitions: [...starts.get(name)!].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
    }
  }
  return starts;
}

type Naming = RunNaming;

/** Records each consumer group has not committed yet, by group: where a stuck run's work waits. */
async function lagByGroup(admin: Admin, topology: LiveHostTopology, naming: Naming): Promise<Record<string, number>> {
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

async function consumerLag(admin: Admin, topology: LiveHostTopology, naming: Naming): Promise<number> {
  return Object.values(await lagByGroup(admin, topology, naming)).reduce((a, b) => a + b, 0);
}

/** Every record of a topic, read back from the beginning by a throwaway group. */
async function readTopic(kafka: Kafka, admin: Admin, naming: Naming, topic: string, partitions: number, starts: StartOffsets, ownGroups: Set<string>): Promise<PartitionLog[]> {
  const logs = Array.from({ length: partitions }, (_, p) => new PartitionLog(topic, p));
  const ends = await admin.fetchTopicOffsets(topic);
  const from = (o: { partition: number; low: string }) => Math.max(Number(o.low), starts.get(topic)?.get(o.partition) ?? 0);
  let wanted = ends.reduce((n, o) => n + Number(o.high) - from(o), 0);
  if (wanted === 0) return logs;
  // A group of the run's (removed with it); on an existing topic it starts where the run did.
  const groupId = naming.group(`read-back.${Date.now()}.${topic}`);
  ownGroups.add(groupId);
  if (starts.has(topic)) await admin.setOffsets({ groupId, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: String(from(o)) })) });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
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

/** Rows of an entity's table whose status is (or is not) among `statuses`, counted by the database. */
async function countRows(pool: pg.Pool, store: string, table: string): Promise<number> {
  const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM faultline_rows WHERE store = $1 AND tbl = $2 AND row IS NOT NULL', [store, table]);
  return Number(r.rows[0].n);
}

/** When a settled run's last effect landed, in any process; the first settled poll if none is known after the load began. */
export function lastEffectAtMs(settledAtMs: number, loadStartedAtMs: number, ...lastProgressMs: number[]): number {
  const last = Math.max(...lastProgressMs);
  return last > loadStartedAtMs ? Math.min(settledAtMs, last) : settledAtMs;
}

async function countByStatus(pool: pg.Pool, store: string, table: string, field: string, statuses: readonly string[], among: boolean): Promise<number> {
  const r = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM faultline_rows WHERE store = $1 AND tbl = $2 AND row IS NOT NULL AND ${among ? '' : 'NOT '}(coalesce(row->>$3, '') = ANY($4::text[]))`,
    [store, table, field, statuses]);
  return Number(r.rows[0].n);
}

export async function runLive<P extends BaseParams>(scenario: Scenario<P>, o: LiveRunOptions): Promise<LiveRunResult> {
  const log = o.log ?? (() => {});
  const params = scenario.parse(o.overrides ?? {});
  const plan = livePlan(scenario, params, o.serviceProcesses === true);
  const topology = plan.host;
  const joining = o.joinWorkers ?? 0;
  const workerCount = o.workers + joining;
  // Service processes come after the worker processes (forked, then joined): indexes workerCount + 1, …
  const services = topology.actors.filter((a) => a.place === 'service').map((a) => a.name);
  for (const f of o.faults ?? []) {
    const actor = (f as { actor?: string }).actor;
    if (actor !== undefined && !topology.actors.some((a) => a.name === actor)) {
      throw new LiveSetupError(`the ${f.kind} fault names actor "${actor}", which this scenario does not have (its actors: ${topology.actors.map((a) => a.name).join(', ')})`);
    }
    if (f.kind === 'poison' && !topology.topics.some((t) => t.name === f.topic)) {
      throw new LiveSetupError(`the poison fault names topic "${f.topic}", which this scenario does not have (its topics: ${topology.topics.map((t) => t.name).join(', ')})`);
    }
    if (f.kind === 'crash') {
      const points = [...(plan.topology.actors.find((a) => a.name === f.actor)?.behaviour.crashPoints ?? []), ...STEP_CRASH_POINTS];
      if (!points.includes(f.point)) throw new LiveSetupError(`the crash fault names crash point "${f.point}" of "${f.actor}", which it does not have; it has: ${points.join(', ')}`);
    }
  }
  if ((o.faults ?? []).some((f) => f.kind === 'broker-restart') && OwnBroker.find(o.kafka.brokers) === undefined) {
    throw new LiveSetupError(`a broker-restart fault stops and starts the project's own broker (npm run kafka:up), and ${o.kafka.brokers.join(',')} is not one it started`);
  }
  const metrics = new Metrics();
  const runId = `${Date.now().toString(36)}-${o.seed}`;
  const naming = runNaming(runId, o.existingTopicPrefix);
  const kafka = kafkaClient(o.kafka, 'faultline-coordinator');
  const { pool, admin, starts } = await setUp(kafka, o.kafka, o.dbUrl, topology, naming);
  log(`live run ${runId}: topics ${topology.topics.map((t) => naming.topic(t.name)).join(', ') || '(none: the services only call each other)'}`);
  let leftovers: LiveRunResult['live']['leftovers'] | undefined;
  /** Every consumer group the run made: its consumers' and its read-backs'. */
  const ownGroups = new Set(topology.actors.flatMap((a) => (a.consumes !== undefined ? [naming.group(a.consumes.group)] : [])));
  /** The run's topics, groups and rows removed unless kept: once, at the end, whatever happened before. */
  const cleanUp = async () => (leftovers ??= o.keep === true ? 'kept' : await removeRun(admin, pool, runId, { knownGroups: [...ownGroups] }).then(
    (problems) => (problems.length === 0 ? 'removed' : problems),
    (err: Error) => [err.message],
  ));
  try {

    const t0 = Date.now();
    let faults: LiveFaultRunner;
    const started = performance.now();
    let node: LiveNode | undefined;
    const host = o.listen?.host ?? '127.0.0.1';
    const token = o.joinToken ?? randomBytes(18).toString('base64url');
    const joined = new JoinedWorkers(joining, log);
    // Sends to this process's actors come straight from the process that sends them.
    const links = new PeerLinks(token, (n) => metrics.count('live.sendsLost', n), () => metrics.count('live.sendsBetweenProcesses'));
    const server = await within(`cannot listen on ${host}:${o.listen?.port ?? 0} (give an address of this machine and a free port)`, 5_000,
      PeerServer.listen(host, o.listen?.port ?? 0, token, (ref, msg) => node?.deliverRemote(ref, msg), joining > 0 ? (ws, req) => joined.accept(ws, req) : undefined));
    const fingerprint = scenarioFingerprint(topology);
    const workers: WorkerPool = new WorkerPool(
      // Forked here, or (after the forked ones) joined from elsewhere.
      async (index) => (index > o.workers && index <= workerCount
        ? joined.claim(index, o.joinTimeoutMs ?? 120_000, o.stop)
        : forkWorker(WORKER_MAIN, { kafka: o.kafka, dbUrl: o.dbUrl, host })),
      (index): RunConfig => ({
        index, scenario: o.scenarioRef, fingerprint, overrides: { ...o.overrides }, seed: o.seed, t0, runId, existingTopicPrefix: o.existingTopicPrefix, faults: o.faults ?? [], faultsFromMs: faults?.origin,
        serviceProcesses: o.serviceProcesses === true, peers: workers.peers.urls, processes: workers.peers.processes, peerToken: token,
        ...(index > workerCount ? { service: services[index - workerCount - 1] } : {}),
      }),
      server.url,
      log,
      (fault) => faults.fire(fault),
      // A process (re)started or was killed: every process learns where each listens.
      (peers) => {
        node?.setPeers(peers.urls);
        links.setDirectory(peers.processes);
        workers.broadcast({ t: 'peers', ...peers });
      },
    );
    const broker = OwnBroker.find(o.kafka.brokers);
    faults = new LiveFaultRunner(o.faults ?? [], { workers, log, broker });
    node = new LiveNode({
      index: 0, host, topology, kafka, pool, naming, seed: o.seed, t0, log, metrics, faults: o.faults, onFaultFired: (fault) => faults.fire(fault),
      hosts: (s) => s.place !== 'service' && (s.place !== 'worker' || workerCount === 0),
      remote: (ref, msg) => links.send(Math.floor(ref / REF_STRIDE), ref, msg),
    });
    const generatorBehaviour = plan.topology.actors.find((a) => a.name === plan.loadActor)?.behaviour;
    /** The load generator's view of its load, from its live actor's state. */
    const loadView = (): LoadView | undefined => {
      const g = plan.loadActor === undefined ? undefined : node!.actors.get(plan.loadActor);
      return g === undefined || g.state === undefined ? undefined : generatorBehaviour?.load?.(g.state);
    };
    const entity = scenario.entities?.[0];
    /** Units completed and shed so far, counted by the database (or, without an entity, in this process). */
    const completedNow = async (): Promise<{ completed: number; shed: number }> => {
      const counter = scenario.metrics?.completed;
      // A declared counter: this process's count and what the other processes last reported.
      if (counter !== undefined) return { completed: metrics.counter(counter) + (workers.counters.get(counter) ?? 0), shed: 0 };
      if (entity === undefined) return completionOf(scenario, [], metrics, loadView());
      const terminal = Object.keys(entity.terminal);
      const shedStates = terminal.filter((s) => entity.terminal[s] === 'shed');
      const store = naming.store(entity.store);
      return {
        completed: await countByStatus(pool, store, entity.table, entity.status, terminal, true),
        shed: shedStates.length === 0 ? 0 : await countByStatus(pool, store, entity.table, entity.status, shedStates, true),
      };
    };
    /** What is still pending, in words (the database's and the broker's view; empty when settled). */
    const pendingNow = async (): Promise<string[]> => {
      const out: string[] = [];
      const l = loadView();
      if (l !== undefined && l.outstanding > 0) out.push(`${l.outstanding} requests unanswered`);
      for (const a of node!.actors.values()) {
        const n = a.pending();
        if (n > 0 && a.name !== plan.loadActor) out.push(`${a.name} holds ${n} unfinished`);
      }
      for (const e of scenario.entities ?? []) {
        const open = await countByStatus(pool, naming.store(e.store), e.table, e.status, Object.keys(e.terminal), false);
        if (open > 0) out.push(`${open} ${pluralOf(e)} not ended`);
      }
      for (const [g, n] of Object.entries(await lagByGroup(admin, topology, naming))) if (n > 0) out.push(`group ${g}: ${n} records not committed`);
      return out;
    };

    let loadEndedAtMs = 0;
    let loadStartedAtMs = 0;
    /** When the pipeline was first seen settled (the quiet polls that confirm it come after). */
    let settledAtMs = 0;
    let drained = false;
    let loadUnfinished = false;
    /** Where the run was when a signal stopped it: seconds in, and in which phase. */
    let stoppedAt: { s: number; phase: 'load' | 'drain' } | undefined;
    o.stop?.addEventListener('abort', () => (stoppedAt = { s: Math.round(node!.nowMs() / 1000), phase: loadEndedAtMs === 0 ? 'load' : 'drain' }), { once: true });
    let pending: string[] = [];
    const timeline: TimelinePoint[] = [];
    /** The coordinator's gauges and each worker process's, under its own name. */
    const gaugesNow = (): Record<string, number> | undefined => {
      const out: Record<string, number> = { ...metrics.gaugeValues() };
      for (const [k, g] of workers.gauges) out[k] = g.last;
      return Object.keys(out).length > 0 ? out : undefined;
    };
    let sampler: NodeJS.Timeout | undefined;
    /** Once a second: offered, completed and shed, and the consumer lag (skipped while a sample is still out). */
    const startSampler = () => {
      let busy = false;
      const take = async () => {
        if (busy) return;
        busy = true;
        try {
          const tMs = Math.round(node!.nowMs());
          const { completed, shed } = await completedNow();
          const backlog = await consumerLag(admin, topology, naming);
          for (const t of scenario.metrics?.tableSizes ?? []) metrics.gauge(tableSizeGauge(t), await countRows(pool, naming.store(t.store), t.table));
          const gauges = gaugesNow();
          if (timeline.length < 2_000) timeline.push({ tMs, offered: loadView()?.offered ?? 0, completed, shed, backlog, ...(gauges !== undefined ? { gauges } : {}) });
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
      for (let k = 0; k < services.length; k++) {
        await workers.start(workerCount + 1 + k).catch((err: Error) => {
          throw new LiveSetupError(`the process of service ${services[k]} could not start: ${err.message}`);
        });
      }
      for (let i = 1; i <= o.workers; i++) {
        await workers.start(i).catch((err: Error) => {
          throw new LiveSetupError(`worker process ${i} could not start: ${err.message}`);
        });
      }
      if (joining > 0) {
        log(`waiting up to ${Math.round((o.joinTimeoutMs ?? 120_000) / 1000)} s for ${joining} worker${joining === 1 ? '' : 's'} to join at ${server.joinUrl}`);
        o.onJoinable?.(server.joinUrl);
      }
      for (let i = o.workers + 1; i <= workerCount && o.stop?.aborted !== true; i++) {
        await workers.start(i).catch((err: Error) => {
          if (o.stop?.aborted === true) return;
          if (err.message.startsWith('no worker joined')) {
            throw new JoinError(`${i - o.workers - 1} of the ${joining} joining workers came within ${Math.round((o.joinTimeoutMs ?? 120_000) / 1000)} s: start each with faultline worker --join ${server.joinUrl} (the run's token in FAULTLINE_JOIN_TOKEN), or wait longer with --join-seconds`);
          }
          throw new JoinError(err.message);
        });
      }
      await node.start().catch((err: Error) => {
        throw new LiveSetupError(`the coordinator's actors could not start: ${err.message}`);
      });
      loadStartedAtMs = node.nowMs();
      faults.start(node.faults);
      sampler = startSampler();
      // The load has a deadline too: a load generator that stopped (it crashed, say) must not hang the run.
      const loadDeadline = Date.now() + 3 * (plan.plannedLoadMs || 60_000) + 60_000;
      const loadDone = () => {
        if (plan.loadActor === undefined) return true;
        const l = loadView();
        return l !== undefined && l.offered >= l.planned && l.outstanding === 0;
      };
      while (!loadDone() && o.stop?.aborted !== true) {
        if (Date.now() > loadDeadline) {
          loadUnfinished = true;
          log(`the load did not finish within ${Math.round((loadDeadline - t0) / 1000)} s; draining what there is`);
          break;
        }
        await sleep(POLL_MS);
        const l = loadView();
        o.onProgress?.(l === undefined || l.planned === 0 ? 1 : Math.min(1, l.offered / l.planned), 'load');
      }
      loadEndedAtMs = node.nowMs();
      if (o.stop?.aborted !== true) await Promise.race([faults.healed(), aborted(o.stop)]);
      const deadline = Date.now() + (o.drainDeadlineMs ?? 120_000);
      let quietPolls = 0;
      while (Date.now() < deadline && o.stop?.aborted !== true) {
        o.onProgress?.(1, 'drain');
        // While the broker or the database is down (a fault) nothing can be read: not settled yet.
        pending = await pendingNow().catch((err: Error) => [`unreadable (${err.message})`]);
        quietPolls = pending.length === 0 ? quietPolls + 1 : 0;
        if (quietPolls === 1) settledAtMs = node.nowMs();
        if (quietPolls >= 2) {
          drained = true;
          break;
        }
        await sleep(POLL_MS * 2);
      }
    } finally {
      if (sampler !== undefined) clearInterval(sampler);
      if (o.stop?.aborted === true) log(`stopping (${String(o.stop.reason)}): the workers, any fault under way (a stopped broker is started again), then what the run has`);
      await faults.stop();
      await workers.stop();
      joined.close();
      await node.stop();
      links.close();
      await server.close();
    }
    const wallMs = performance.now() - started;
    const nowMs = node.nowMs();
    for (const [k, v] of workers.counters) metrics.count(k, v);
    for (const [k, g] of workers.gauges) metrics.gauges.set(k, { ...g });
    for (const h of workers.histograms) metrics.histogram(h.name, h.unit).add(decodeFromCompressedBase64(h.encoded));
    const load = loadView();
    // Requests still unanswered count in response time with how long they waited.
    if (load !== undefined) for (const t of load.waiting()) metrics.record(load.metric, nowMs - t);
    // Reading back may meet a broker that has just started again (a fault, or stopping mid-fault): it answers before it leads.
    const obs = await whileRetriable(() => liveObservation(kafka, admin, pool, naming, plan, metrics, load, starts, ownGroups), 30_000);
    // Every committed transaction again, in commit order, from the journal: what the simulator's checkers saw as it happened.
    const entities = (scenario.entities ?? []).map((e) => new EntityWatch(e));
    const checkers = [...entities.flatMap((e) => e.checkers()), ...(scenario.invariants?.(params) ?? [])];
    const back = new Map(plan.stores.map((n) => [naming.store(n), n]));
    for await (const j of readJournals(pool, plan.stores.map((n) => naming.store(n)))) {
      const store = back.get(j.store) ?? j.store;
      for (const e of entities) e.onCommit(store, j.writes);
      for (const c of checkers) c.onCommit?.(store, j.writes, j.atMs);
    }
    const stoppedBy = o.stop?.aborted === true ? String(o.stop.reason) : undefined;
    // A run stopped midway has work under way that a finished run would have ended: judging
    // it would report losses a correct pipeline did not commit. It is measured, not judged.
    const invariants = stoppedBy !== undefined
      ? [runConditionFailed('stopped', 'the run finished (it was not stopped by a signal)', `stopped by ${stoppedBy} ${stoppedAt?.s ?? '?'} s in, ${stoppedAt?.phase === 'drain' ? 'while draining' : 'during the load'}: the invariants were not judged`)]
      : mergeByName(checkers.map((c) => c.check(obs)));
    if (stoppedBy === undefined && loadUnfinished) {
      invariants.push(runConditionFailed('load-finished', LOAD_UNFINISHED, `the load generator offered ${load?.offered ?? 0} of ${load?.planned ?? '?'} requests (${load?.outstanding ?? 0} unanswered) by the load deadline (3x its planned length + 60 s)`));
    }
    if (stoppedBy === undefined && !drained) {
      invariants.push(runConditionFailed('drained', NOT_DRAINED, `still pending ${(o.drainDeadlineMs ?? 120_000) / 1000} s after the load ended: ${pending.join('; ') || 'nothing named'}`));
    }
    const errors = [...node.errors, ...workers.errors];
    const own = node.stats();
    const theirs = workers.stats();
    const handled = own.handled + theirs.handled;
    const { completed, shed } = completionOf(scenario, entities, metrics, load);
    const result = runResultOf(scenario, params, {
      seed: o.seed, obs, entities, invariants, ok: invariants.every((i) => i.ok) && errors.length === 0, metrics, load,
      faults: faults.report(), timeline,
      // A live run's interleaving is the machine's, not the seed's: there is no history to hash.
      historyHash: 'live',
      completed, shed,
      // Throughput from the first request to the last effect of a run that settled (the polls
      // that then find it settled come up to a second later): start-up and polls excluded.
      spanMs: (drained ? lastEffectAtMs(settledAtMs, loadStartedAtMs, own.lastProgressMs ?? 0, theirs.lastProgressMs) : nowMs) - loadStartedAtMs,
      sim: {
        events: handled, virtualMs: Math.round(nowMs), loadEndedAtMs: Math.round(loadEndedAtMs), drained,
        messagesLost: metrics.counter('live.sendsLost'), crashes: own.crashes + theirs.crashes + workers.kills, actorErrors: errors,
      },
      wall: { ms: Math.round(wallMs), eventsPerSec: Math.round(handled / (wallMs / 1000)) },
    });
    const checks = stoppedBy !== undefined ? [] : checkThresholds(o.slo ?? [], measurableOf(result));
    return {
      ...result,
      live: {
        serviceLevel: { ok: checks.every((c) => c.ok), checks },
        ...(stoppedBy !== undefined ? { stopped: stoppedBy } : {}),
        runId, connection: describeConnection(o.kafka), workers: workerCount, ...(joining > 0 ? { joinedWorkers: joining } : {}), serviceProcesses: services.length, workerKills: workers.kills,
        actorRestarts: own.crashes + theirs.crashes, messagesHandled: handled, messagesByWorker: workers.handledByWorker().slice(0, workerCount),
        leftovers: await cleanUp(),
      },
    };
  } finally {
    const left = await cleanUp();
    if (Array.isArray(left)) log(`could not remove all the run left (${left.join('; ')}): faultline cleanup ${runId} tries again`);
    await admin.disconnect().catch(() => {});
    await pool.end().catch(() => {});
  }
}

/** What the checks read, loaded from the database and the broker once the run has stopped. */
async function liveObservation<P extends BaseParams>(kafka: Kafka, admin: Admin, pool: pg.Pool, naming: Naming, plan: ReturnType<typeof livePlan<P>>,
  metrics: Metrics, load: LoadView | undefined, starts: StartOffsets, ownGroups: Set<string>): Promise<Observation> {
  const stores = new Map<string, SimStore>();
  for (const s of plan.stores) {
    // The scenario's dense tables, as the simulator's checks read them: a row per entity costs bytes, not an object.
    const into = new SimStore(s);
    for (const [table, make] of Object.entries(plan.host.tables?.[s] ?? {})) into.useTable(table, make());
    stores.set(s, await readStore(pool, naming.store(s), into));
  }
  const topics = new Map<string, PartitionLog[]>();
  for (const t of plan.keptTopics) topics.set(t, await readTopic(kafka, admin, naming, naming.topic(t), plan.host.topics.find((x) => x.name === t)!.partitions, starts, ownGroups));
  return {
    table(store, table) {
      const s = stores.get(store);
      if (s === undefined) throw new InputError(`a check reads store "${store}", which no actor of the topology uses (its stores: ${plan.stores.join(', ')})`);
      return s.table(table) as ReadonlyMap<never, never> & Map<never, never>;
    },
    records(topic) {
      const logs = topics.get(topic);
      if (logs === undefined) throw new InputError(`a check reads topic "${topic}" whole: declare it with retainAll: true`);
      return logs.flatMap((l) => [...l.all()]);
    },
    load,
    counter: (name) => metrics.counter(name),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the signal is aborted (never, without one). */
const aborted = (signal: AbortSignal | undefined) => new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
