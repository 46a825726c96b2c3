// `faultline cleanup [RUN…] --brokers … --db …`: what live runs left (kept with --keep,
// or a coordinator killed before it could clean up), listed, or removed by run id.
// Exit 0 when everything asked for is gone, 1 when something could not be removed
// (a group whose members have not timed out yet, say), 2 on bad usage.
import { kafkaClient } from '../runtime/live/kafka-connection.js';
import { connectPg } from '../runtime/live/pg-store.js';
import { describeLeftovers, findRuns, removeRun, type RunLeftovers } from '../runtime/live/cleanup.js';
import { checkDbUrl, kafkaConnectionArgs } from './live-connection-args.js';
import { EXIT, UsageError } from './usage-error.js';

const RUN_ID = /^[a-z0-9]+-\d+$/;

async function bounded<T>(what: string, p: Promise<T>, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)))]);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}. Check the address and that the server runs.`);
  } finally {
    clearTimeout(timer);
  }
}

export async function cleanupCommand(a: Record<string, unknown>): Promise<number> {
  const conn = kafkaConnectionArgs(a, 'cleanup');
  const dbUrl = checkDbUrl(a.db as string | undefined, 'cleanup');
  const asked = ((a.runs as string[] | undefined) ?? []).map(String);
  const bad = asked.filter((r) => !RUN_ID.test(r));
  if (bad.length > 0) throw new UsageError(`${bad.map((r) => `"${r}"`).join(', ')} ${bad.length > 1 ? 'are not run ids' : 'is not a run id'}: a live run prints its id ("live run mx9i0pca-1"); faultline cleanup without ids lists the runs found.`);
  if (a.all === true && asked.length > 0) throw new UsageError('give run ids or --all, not both.');
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const pool = await bounded('cannot use the database', connectPg(dbUrl, 2));
  const admin = kafkaClient(conn, 'faultline-cleanup').admin();
  try {
    await bounded(`cannot reach a Kafka broker at ${conn.brokers.join(',')}`, admin.connect());
    const found = await findRuns(admin, pool);
    if (asked.length === 0 && a.all !== true) {
      if (a.json === true) say(JSON.stringify({ runs: found }));
      else if (found.length === 0) say('no live runs left anything here');
      else {
        for (const r of found) say(`${r.runId}: ${describeLeftovers(r)}`);
        say(`faultline cleanup RUN… removes them (--all: every one)`);
      }
      return EXIT.ok;
    }
    const targets: RunLeftovers[] = a.all === true ? found : asked.map((id) => found.find((r) => r.runId === id) ?? { runId: id, topics: [], groups: [], rows: 0 });
    const out: { runId: string; removed: string; problems: string[] }[] = [];
    for (const r of targets) {
      const problems = await removeRun(admin, pool, r.runId);
      out.push({ runId: r.runId, removed: describeLeftovers(r), problems });
      if (a.json !== true) say(problems.length === 0 ? `${r.runId}: removed ${describeLeftovers(r)}` : `${r.runId}: not all removed (${problems.join('; ')})`);
    }
    if (a.json === true) say(JSON.stringify({ removed: out }));
    else if (targets.length === 0) say('no live runs left anything here');
    return out.every((r) => r.problems.length === 0) ? EXIT.ok : EXIT.invariantFailed;
  } finally {
    await admin.disconnect().catch(() => {});
    await pool.end().catch(() => {});
  }
}
