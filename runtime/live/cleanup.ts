// What live runs leave on a broker and a database, found and removed by run id: the
// run's topics (`faultline.<id>.…`, never a user's existing topics), its consumer groups
// (`faultline.<id>.…`, read-back groups included) and its rows, fences and journal
// (stores `<id>/…`). A run removes its own at the end unless kept; `faultline cleanup`
// removes what earlier, kept or killed runs left.
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { runIdOfBrokerName } from './naming.js';
import { whileRetriable } from './retriable.js';

export interface RunLeftovers {
  readonly runId: string;
  readonly topics: string[];
  readonly groups: string[];
  /** Rows, fences and journal entries together. */
  readonly rows: number;
}

const TABLES = ['faultline_rows', 'faultline_fences', 'faultline_journal'] as const;

/** Every run with something left, by id (topics and groups from the broker, rows from the database). */
export async function findRuns(admin: Admin, pool: pg.Pool): Promise<RunLeftovers[]> {
  const runs = new Map<string, { topics: string[]; groups: string[]; rows: number }>();
  const of = (id: string) => {
    let r = runs.get(id);
    if (r === undefined) runs.set(id, (r = { topics: [], groups: [], rows: 0 }));
    return r;
  };
  for (const t of await admin.listTopics()) {
    const id = runIdOfBrokerName(t);
    if (id !== undefined) of(id).topics.push(t);
  }
  for (const g of (await whileRetriable(() => admin.listGroups(), 45_000)).groups) {
    const id = runIdOfBrokerName(g.groupId);
    if (id !== undefined) of(id).groups.push(g.groupId);
  }
  for (const table of TABLES) {
    const r = await pool.query<{ id: string; n: string }>(`SELECT split_part(store, '/', 1) AS id, count(*) AS n FROM ${table} GROUP BY 1`);
    for (const row of r.rows) of(row.id).rows += Number(row.n);
  }
  return [...runs].map(([runId, r]) => ({ runId, ...r })).sort((a, b) => a.runId.localeCompare(b.runId));
}

/** What one run left (possibly nothing). */
export async function leftoversOf(admin: Admin, pool: pg.Pool, runId: string): Promise<RunLeftovers> {
  return (await findRuns(admin, pool)).find((r) => r.runId === runId) ?? { runId, topics: [], groups: [], rows: 0 };
}

/**
 * Removes a run's topics, groups and rows. Groups still with members (a killed process's
 * member stays until its session times out, and a broker just started again loads its groups
 * for a while) are tried again for up to `groupWaitMs`.
 * Returns what could not be removed, in words (empty: all gone).
 */
export async function removeRun(admin: Admin, pool: pg.Pool, runId: string, o: { groupWaitMs?: number; knownGroups?: readonly string[] } = {}): Promise<string[]> {
  const groupWaitMs = o.groupWaitMs ?? 45_000;
  const listed = await leftoversOf(admin, pool, runId);
  // A broker still loading its groups (just started again) lists some of them only: the run names its own.
  const left = { ...listed, groups: [...new Set([...listed.groups, ...(o.knownGroups ?? [])])] };
  const problems: string[] = [];
  if (left.topics.length > 0) {
    // A broker that has just started again may refuse (no controller yet) or delete later than
    // it answers: asked again until the topics are gone from its list, for up to 30 s.
    const until = Date.now() + 30_000;
    let remaining = left.topics;
    let lastError = '';
    while (remaining.length > 0 && Date.now() < until) {
      await admin.deleteTopics({ topics: remaining, timeout: 10_000 }).catch((err: Error) => (lastError = err.message));
      await new Promise((r) => setTimeout(r, 500));
      const still = new Set(await admin.listTopics().catch(() => remaining));
      remaining = remaining.filter((t) => still.has(t));
    }
    if (remaining.length > 0) problems.push(`topics ${remaining.join(', ')}: ${lastError || 'still listed 30 s after they were deleted'}`);
  }
  let groups = left.groups;
  const until = Date.now() + groupWaitMs;
  while (groups.length > 0) {
    const failed: string[] = [];
    try {
      await admin.deleteGroups(groups);
    } catch (err) {
      // kafkajs names the groups it could not delete (non-empty ones among them) in `groups`.
      const named = (err as { groups?: { groupId: string; error?: { type?: string } }[] }).groups;
      if (named === undefined) failed.push(...groups);
      else for (const g of named) if (g.error?.type !== 'GROUP_ID_NOT_FOUND') failed.push(g.groupId);
      if (failed.length === 0) break;
      if (Date.now() >= until) {
        problems.push(`groups ${failed.join(', ')}: ${(err as Error).message}`);
        break;
      }
    }
    groups = failed;
    if (groups.length > 0) await new Promise((r) => setTimeout(r, 1_000));
  }
  for (const table of TABLES) {
    // starts_with, not LIKE: a run id is matched as it is, whatever it holds.
    await pool.query(`DELETE FROM ${table} WHERE starts_with(store, $1)`, [`${runId}/`]).catch((err: Error) => problems.push(`${table}: ${err.message}`));
  }
  return problems;
}

/** `3 topics, 5 groups, 12,000 rows` (what is there). */
export function describeLeftovers(r: RunLeftovers): string {
  const n = (k: number, one: string) => `${k.toLocaleString('en-US')} ${one}${k === 1 ? '' : 's'}`;
  return `${n(r.topics.length, 'topic')}, ${n(r.groups.length, 'group')}, ${n(r.rows, 'row')}`;
}
