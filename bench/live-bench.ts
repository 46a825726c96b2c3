// The live part of `npm run bench`, on one broker and one database in the same run:
// refunds/s end to end through `faultline live` with 1 and 2 worker processes, raw
// kafkajs produce -> consume throughput with records of the same size, and their ratio
// (what the harness costs over the client library). Skipped, and said so, when no
// broker or database answers (npm run kafka:up; npm run pg:up).
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { runLive } from '../harness/live/live-run.js';
import { connectPg } from '../runtime/live/pg-store.js';
import { JAVA_COMPATIBLE_PARTITIONER } from '../runtime/live/kafka-connection.js';
import refundsScenario from '../scenarios/refunds/index.js';

const brokers = [`127.0.0.1:${process.env.FAULTLINE_KAFKA_PORT ?? 19092}`];
const dbUrl = process.env.FAULTLINE_PG_URL ?? `postgres://postgres@127.0.0.1:${process.env.FAULTLINE_PG_PORT ?? 15432}/faultline`;

/** A refund-requested record as the outbox relay publishes it. */
const value = (i: number) => JSON.stringify({ refundId: `rf-${i}`, refundType: i % 8, amount: 50 + (i % 4_950), account: 'open', requestedAt: i * 0.5 });

async function reachable(): Promise<string | undefined> {
  try {
    const pool = await connectPg(dbUrl);
    await pool.end();
  } catch {
    return `no PostgreSQL at ${dbUrl}`;
  }
  const admin = new Kafka({ clientId: 'faultline-bench', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_500, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch {
    return `no Kafka broker on ${brokers[0]}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
  return undefined;
}

/** Records/s from the first produce to the last record consumed, batches of 500 as the relay and DS send them. */
async function rawKafkajs(records: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'faultline-bench', brokers, logLevel: logLevel.NOTHING });
  const topic = `faultline.bench.${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 12, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}.g`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({ eachBatch: async ({ batch }) => {
    for (const m of batch.messages) JSON.parse(m.value!.toString());
    seen += batch.messages.length;
    if (seen >= records) done();
  } });
  const producer = kafka.producer({ createPartitioner: JAVA_COMPATIBLE_PARTITIONER, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = performance.now();
  for (let i = 0; i < records; i += 500) {
    const messages = Array.from({ length: Math.min(500, records - i) }, (_, j) => ({ key: `rf-${i + j}`, value: value(i + j) }));
    await producer.send({ topic, acks: -1, messages });
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  await producer.disconnect();
  await consumer.disconnect();
  return records / s;
}

export async function liveBench(quick: boolean): Promise<void> {
  const why = await reachable();
  if (why !== undefined) {
    console.log(`live: skipped (${why}; start them with "npm run kafka:up" and "npm run pg:up")`);
    return;
  }
  const refunds = quick ? 5_000 : 30_000;
  const rate = Number(process.env.FAULTLINE_BENCH_LIVE_RATE ?? 4_000);
  const perSec: number[] = [];
  for (const workers of [1, 2]) {
    const r = await runLive(refundsScenario, { scenarioRef: 'refunds', seed: 1, overrides: { count: refunds, ratePerSec: rate }, kafka: { brokers }, dbUrl, workers, drainDeadlineMs: 120_000 });
    const done = r.metrics.completed;
    // End to end: from the first request until every refund settled (the run's throughputPerSec).
    perSec.push(r.metrics.throughputPerSec);
    const e2e = r.metrics.latencyMs.endToEnd;
    console.log(`live refunds, ${workers} worker${workers > 1 ? 's' : ''}: ${Math.round(r.metrics.throughputPerSec)} refunds/s end to end (${done} of ${refunds} completed, offered ${rate}/s; ${(r.wall.ms / 1000).toFixed(1)} s wall with start-up and drain), RMS p99 ${r.metrics.latencyMs.rmsResponse?.p99.toFixed(0)} ms, end-to-end p99 ${e2e?.p99.toFixed(0)} ms; invariants ${r.ok ? 'held' : 'FAILED'}`);
  }
  const raw = await rawKafkajs(quick ? 20_000 : 100_000);
  console.log(`raw kafkajs produce -> consume, same record size, 12 partitions: ${Math.round(raw)} records/s; live with 1 worker is ${((perSec[0] / raw) * 100).toFixed(2)}% of it, with 2 workers ${((perSec[1] / raw) * 100).toFixed(2)}% (each refund is 2+ records, 4 transactions and an HTTP exchange)`);
}
