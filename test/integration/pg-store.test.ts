// Against a real PostgreSQL (npm run pg:up). Without one it says what it skips and why.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CommitRefused, PgStore, connectPg, readStore } from '../../runtime/live/pg-store.js';
import { SimStore } from '../../runtime/sim/store.js';
import { RefundTable } from '../../scenarios/refunds/tables.js';
import type { WriteRecord } from '../../runtime/sim/store.js';
import { dbUrl } from './servers.js';

const url = dbUrl;
let pool: pg.Pool | undefined;
try {
  pool = await connectPg(url);
} catch {
  pool = undefined;
}
if (pool === undefined && process.env.FAULTLINE_REQUIRE_PG === '1') throw new Error(`no PostgreSQL answers at ${url} but FAULTLINE_REQUIRE_PG=1`);
if (pool === undefined) console.warn(`test:kafka: skipping the PostgreSQL store: nothing answers at ${url} (start it with "npm run pg:up")`);
afterAll(async () => pool?.end());

describe.skipIf(pool === undefined)('the PostgreSQL durable store', () => {
  const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(performance.now() * 1000)}`;
  const fresh = (name: string) => new PgStore(pool!, unique(name));
  /** Two writers of one store (two processes): each its own PgStore and mirror. */
  const writers = (name: string) => {
    const n = unique(name);
    return [new PgStore(pool!, n), new PgStore(pool!, n)] as const;
  };

  it('commits a refund row and its outbox event together, and a reloaded mirror sees both', async () => {
    const store = fresh('rms');
    const mirror = await store.load();
    mirror.put('refunds', 'rf-1', { status: 'PENDING', amount: 10 });
    mirror.put('meta', 'outboxSeq', 1);
    mirror.put('outbox', 1, { refundId: 'rf-1' });
    await store.commit(mirror.commit());
    const again = await store.load();
    expect(again.get('refunds', 'rf-1')).toEqual({ status: 'PENDING', amount: 10 });
    expect(again.get('outbox', 1)).toEqual({ refundId: 'rf-1' });
    expect(again.get('meta', 'outboxSeq')).toBe(1);
  });

  it('reads a store back a page at a time into a dense table: the rows a mirror loads, deleted ones gone, number keys numbers', async () => {
    const store = fresh('paged');
    const mirror = await store.load();
    for (let i = 1; i <= 23; i++) mirror.put('refunds', `rf-${i}`, { key: `k${i}`, refundType: 1, amount: i, status: 'PENDING', requestedAt: i, reason: undefined });
    for (let i = 1; i <= 7; i++) mirror.put('outbox', i, { n: i });
    await store.commit(mirror.commit());
    mirror.delete('refunds', 'rf-5');
    mirror.delete('outbox', 3);
    await store.commit(mirror.commit());
    const into = new SimStore('paged');
    into.useTable('refunds', new RefundTable());
    await readStore(pool!, store.name, into, 4);
    const loaded = await store.load();
    expect(into.table('refunds')).toBeInstanceOf(RefundTable);
    expect([...into.table('refunds')].sort()).toEqual([...loaded.table('refunds')].sort());
    expect(into.table('refunds').size).toBe(22);
    expect([...into.table('outbox').keys()].sort()).toEqual([1, 2, 4, 5, 6, 7]);
  });

  it('refuses an insert another writer already made, and writes nothing of that transaction', async () => {
    const [sa, sb] = writers('cs');
    const a = await sa.load();
    const b = await sb.load();
    a.insertIfAbsent('documents', 'rf-9', { by: 'a' });
    await sa.commit(a.commit());
    b.put('meta', 'documentsWritten', 1);
    b.insertIfAbsent('documents', 'rf-9', { by: 'b' });
    await expect(sb.commit(b.commit())).rejects.toBeInstanceOf(CommitRefused);
    const now = await sb.load();
    expect(now.get('documents', 'rf-9')).toEqual({ by: 'a' });
    expect(now.get('meta', 'documentsWritten')).toBeUndefined();
  });

  it('fences: a write under an older token than one already written is refused whole', async () => {
    const [sn, so] = writers('ds');
    const newer = await sn.load();
    const older = await so.load();
    expect(newer.fence('refund-type-1', 7)).toBe(true);
    newer.put('ledger', 'rf-1', { token: 7 });
    await sn.commit(newer.commit());
    expect(older.fence('refund-type-1', 5)).toBe(true); // its mirror has not seen 7
    older.put('ledger', 'rf-2', { token: 5 });
    await expect(so.commit(older.commit())).rejects.toMatchObject({ reason: 'fenced' });
    const now = await sn.load();
    expect(now.get('ledger', 'rf-2')).toBeUndefined();
    expect(now.fence('refund-type-1', 6)).toBe(false);
  });
  it('refuses a write to a row another writer changed since this mirror read it, and everything after it until a reload', async () => {
    const [sa, sb] = writers('ds');
    const a = await sa.load();
    a.put('budget', 3, 1_000);
    await sa.commit(a.commit());
    const b = await sb.load();
    a.put('budget', 3, 900);
    await sa.commit(a.commit());
    b.put('budget', 3, 800); // computed from 1,000: a lost update if it landed
    await expect(sb.commit(b.commit())).rejects.toMatchObject({ reason: 'conflict' });
    // Nothing more commits from that mirror until it is reloaded (it holds a write that never landed).
    b.put('meta', 'other', 1);
    await expect(sb.commit(b.commit())).rejects.toBeInstanceOf(CommitRefused);
    await sb.load(b);
    expect(b.get('budget', 3)).toBe(900);
    expect(b.get('meta', 'other')).toBeUndefined();
    b.put('budget', 3, 700);
    await sb.commit(b.commit());
    expect((await sa.load()).get('budget', 3)).toBe(700);
  });

  it('refuses a commit queued behind a refused one: its writes built on writes that never happened', async () => {
    const [sa, sb] = writers('rms');
    const a = await sa.load();
    const b = await sb.load();
    a.insertIfAbsent('refunds', 'rf-1', { by: 'a' });
    await sa.commit(a.commit());
    b.insertIfAbsent('refunds', 'rf-1', { by: 'b' });
    const first = sb.commit(b.commit());
    b.put('meta', 'count', 1);
    const second = sb.commit(b.commit());
    await expect(first).rejects.toBeInstanceOf(CommitRefused);
    await expect(second).rejects.toBeInstanceOf(CommitRefused);
    expect((await sa.load()).get('meta', 'count')).toBeUndefined();
  });

  it('journals every committed transaction with before and after images, and nothing refused', async () => {
    const [sa, sb] = writers('cs');
    const a = await sa.load();
    const b = await sb.load();
    a.insertIfAbsent('documents', 'rf-1', { n: 1 });
    await sa.commit(a.commit(), 12.5);
    b.insertIfAbsent('documents', 'rf-1', { n: 2 });
    await expect(sb.commit(b.commit())).rejects.toBeInstanceOf(CommitRefused);
    a.put('documents', 'rf-1', { n: 3 });
    a.delete('documents', 'rf-1');
    await sa.commit(a.commit(), 20);
    const j = await sa.journal();
    expect(j.map((e) => e.atMs)).toEqual([12.5, 20]);
    expect(j[1].writes).toEqual([
      { table: 'documents', key: 'rf-1', prev: { n: 1 }, next: { n: 3 } },
      { table: 'documents', key: 'rf-1', prev: { n: 3 }, next: undefined },
    ]);
    expect((await sb.load()).has('documents', 'rf-1')).toBe(false);
  });
  it('a refresh while a commit waits its turn cannot turn a lost update into a valid one', async () => {
    const [sa, sb] = writers('ds');
    const a = await sa.load();
    a.put('budget', 3, 1_000);
    a.put('meta', 'epoch', 1);
    await sa.commit(a.commit());
    const b = await sb.load();
    a.put('budget', 3, 900); // another process spends 100 …
    await sa.commit(a.commit());
    // … while this one's commits queue behind one that a row lock holds up.
    const blocker = await pool!.connect();
    await blocker.query('BEGIN');
    await blocker.query("SELECT 1 FROM faultline_rows WHERE store = $1 AND tbl = 'meta' FOR UPDATE", [sb.name]);
    b.put('meta', 'epoch', 2);
    const first = sb.commit(b.commit());
    b.put('budget', 3, 800); // spends 200 from the 1,000 it read
    const second = sb.commit(b.commit());
    await sb.refresh(b); // sees 900 arrive before the budget write's turn comes
    await blocker.query('COMMIT');
    blocker.release();
    await first;
    await expect(second).rejects.toMatchObject({ reason: 'conflict' });
    expect((await sa.load()).get('budget', 3)).toBe(900);
  });
  it('a message that wrote nothing waits for the commits queued before it, and fails with them', async () => {
    const [sa, sb] = writers('rms');
    const a = await sa.load();
    const b = await sb.load();
    a.insertIfAbsent('outbox', 1, { by: 'a' });
    await sa.commit(a.commit());
    b.insertIfAbsent('outbox', 1, { by: 'b' }); // RMS's write: refused (a conflict)
    const rms = sb.commit(b.commit());
    const relay = sb.commit([]); // the relay read that row from the mirror and published nothing yet
    await expect(rms).rejects.toBeInstanceOf(CommitRefused);
    await expect(relay).rejects.toBeInstanceOf(CommitRefused);
  });
  it('a barrier keeps no reference to the caller\'s buffer: writes added to it later are not committed with it', async () => {
    const [sa] = writers('ds');
    const a = await sa.load();
    a.put('budget', 1, 10);
    const first = sa.commit(a.commit());
    const buffer: WriteRecord[] = [];
    const barrier = sa.commit(buffer);
    buffer.push({ table: 'budget', key: 2, prev: undefined, next: 99 });
    await first;
    await barrier;
    const j = await sa.journal();
    expect(j.flatMap((e) => e.writes)).toEqual([{ table: 'budget', key: 1, prev: undefined, next: 10 }]);
  });
  it('a refresh sees a row whose transaction took its version early and committed late', async () => {
    const [sa, sb] = writers('cs');
    const mirror = await sb.load();
    const slow = await pool!.connect();
    await slow.query('BEGIN');
    await slow.query("INSERT INTO faultline_rows (store, tbl, key, row, version) VALUES ($1, 'documents', 's:rf-1', '{\"n\":1}', nextval('faultline_version_seq'))", [sa.name]);
    const a = await sa.load();
    a.insertIfAbsent('documents', 'rf-2', { n: 2 }); // a higher version, committed first
    await sa.commit(a.commit());
    await sb.refresh(mirror);
    expect(mirror.has('documents', 'rf-2')).toBe(true);
    expect(mirror.has('documents', 'rf-1')).toBe(false);
    await slow.query('COMMIT');
    slow.release();
    await sb.refresh(mirror);
    expect(mirror.get('documents', 'rf-1')).toEqual({ n: 1 });
  });
  it('writes and refreshes rows by index even when the planner last saw the table empty (as after a run\'s cleanup)', async () => {
    // A database of its own, so its statistics can be made "empty" without touching the shared one.
    const name = `faultline_plan_${Date.now()}`;
    try {
      await pool!.query(`CREATE DATABASE ${name}`);
    } catch (err) {
      console.warn(`skipping the plan check: cannot create a database (${(err as Error).message})`);
      return;
    }
    const own = await connectPg(url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), 1);
    const client = await own.connect();
    try {
      await client.query("SELECT faultline_commit('s', '[{\"t\":\"t\",\"k\":\"s:old\",\"row\":1,\"exp\":null}]', '[]')");
      await client.query('DELETE FROM faultline_rows');
      await client.query('VACUUM ANALYZE faultline_rows');
      // The plans of the statements inside the functions, as the server makes them, sent to this client.
      const plans: string[] = [];
      client.on('notice', (n) => plans.push(n.message ?? ''));
      try {
        await client.query("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET client_min_messages = log");
      } catch (err) {
        console.warn(`skipping the plan check: no auto_explain here (${(err as Error).message})`);
        return;
      }
      const v = await client.query<{ v: string[] }>("SELECT faultline_commit('s', '[{\"t\":\"t\",\"k\":\"s:k\",\"row\":1,\"exp\":null}]', '[]') AS v");
      await client.query(`SELECT faultline_commit('s', '[{"t":"t","k":"s:k","row":2,"exp":${v.rows[0].v[0]}}]', '[]')`);
      const changed = await client.query('SELECT * FROM faultline_changed_since($1, 0)', ['s']);
      expect(changed.rows).toHaveLength(1);
      const all = plans.join('\n');
      expect(all).toMatch(/Update on faultline_rows[\s\S]*Index Scan using faultline_rows_pkey/);
      expect(all).toMatch(/Index Scan using faultline_rows_since_xid/);
      expect(all).not.toMatch(/Seq Scan on faultline_rows/);
    } finally {
      client.release(true);
      await own.end();
      await pool!.query(`DROP DATABASE ${name}`);
    }
  });
});
