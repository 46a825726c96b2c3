// Where the integration tests find the project's servers (npm run kafka:up / pg:up),
// and whether they answer.
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { connectPg } from '../../runtime/live/pg-store.js';

export const brokers = [`127.0.0.1:${process.env.FAULTLINE_KAFKA_PORT ?? 19092}`];
export const dbUrl = process.env.FAULTLINE_PG_URL ?? `postgres://postgres@127.0.0.1:${process.env.FAULTLINE_PG_PORT ?? 15432}/faultline`;
export const testKafka = new Kafka({ clientId: 'faultline-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1500, retry: { retries: 1 } });

/** Whether a broker answers (a metadata request), within a couple of seconds. */
export async function brokerUp(): Promise<boolean> {
  const admin = testKafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * A pool on the project's database and whether both servers answer; in CI
 * (FAULTLINE_REQUIRE_KAFKA=1) they must, else the file says what it skips and why.
 */
export async function liveServers(what: string): Promise<{ pool: pg.Pool | undefined; up: boolean }> {
  let pool: pg.Pool | undefined;
  try {
    pool = await connectPg(dbUrl);
  } catch {
    pool = undefined;
  }
  const up = (await brokerUp()) && pool !== undefined;
  if (!up && process.env.FAULTLINE_REQUIRE_KAFKA === '1') throw new Error(`${what} needs a broker on ${brokers[0]} and PostgreSQL at ${dbUrl}, and FAULTLINE_REQUIRE_KAFKA=1`);
  if (!up) console.warn(`test:kafka: skipping ${what}: it needs a broker on ${brokers[0]} and PostgreSQL at ${dbUrl} (npm run kafka:up; npm run pg:up)`);
  return { pool, up };
}

/** Runs a test kept (keep: true) to read their rows: removed at the end like any run's. */
export async function removeKeptRuns(pool: pg.Pool | undefined, runIds: readonly string[]): Promise<void> {
  if (pool === undefined || runIds.length === 0) return;
  const { removeRun } = await import('../../runtime/live/cleanup.js');
  const admin = testKafka.admin();
  await admin.connect();
  try {
    for (const id of runIds) await removeRun(admin, pool, id);
  } finally {
    await admin.disconnect();
  }
}
