// The durable store of the live runtime, on PostgreSQL. Behaviours stay synchronous:
// they read and write an in-memory mirror of their store (a SimStore, loaded from the
// database at start and after a crash), and the runtime commits the message's write log
// as ONE transaction before performing any send or produce (DESIGN.md's step 2).
//
// Several processes may write one store (worker processes share DS's and CS's
// databases), so every write is optimistic: each row carries a version, and a write
// names the version its mirror read. A row changed since (or inserted by someone else)
// refuses the whole transaction; the runtime then treats the message as crashed before
// its commit and reloads the mirror. `refresh` pulls rows others changed so a mirror is
// rarely stale; the version check, not the refresh, is what keeps the store correct.
// Every committed transaction is also journalled (its writes with before and after
// images), so the checkers replay exactly what happened, as the simulator's observer
// sees it.
import pg from 'pg';
import { SimStore, type WriteRecord } from '../sim/store.js';
import type { Key } from '../contract.js';

export const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS faultline_version_seq;
CREATE TABLE IF NOT EXISTS faultline_rows (
  store text NOT NULL, tbl text NOT NULL, key text NOT NULL, row jsonb, version bigint NOT NULL,
  xid bigint NOT NULL DEFAULT txid_current(),
  PRIMARY KEY (store, tbl, key)
);
ALTER TABLE faultline_rows ADD COLUMN IF NOT EXISTS xid bigint NOT NULL DEFAULT txid_current();
-- For refreshes (rows changed since a transaction id). On xid alone: an index that also
-- holds store ties with the primary key for a keyed write when the planner sees the table
-- empty, and was picked for it (each write then read every row of its store).
DROP INDEX IF EXISTS faultline_rows_by_xid;
CREATE INDEX IF NOT EXISTS faultline_rows_since_xid ON faultline_rows (xid);
CREATE TABLE IF NOT EXISTS faultline_fences (
  store text NOT NULL, lock text NOT NULL, token bigint NOT NULL,
  PRIMARY KEY (store, lock)
);
CREATE TABLE IF NOT EXISTS faultline_journal (
  id bigserial PRIMARY KEY, store text NOT NULL, at double precision NOT NULL, writes jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS faultline_journal_by_store ON faultline_journal (store, id);
-- One message's transaction in one round trip: fences, then each row written once (its
-- last value, checked against the version read first), then the journal entry. A miss
-- raises FL001 (conflict) or FL002 (fenced), and the statement's transaction rolls back.
--
-- The functions a run calls per message keep to the indexes (enable_seqscan off, their own
-- setting, so it holds behind a transaction-pooling proxy too): a run's cleanup empties
-- faultline_rows, and the planner, seeing it empty, would scan it whole for every keyed write
-- of the next run, quadratic in the run's size (3.5x slower at 5,000 requests of the reference pipeline; found by the bench).
DROP FUNCTION IF EXISTS faultline_commit(text, double precision, jsonb, jsonb);
CREATE OR REPLACE FUNCTION faultline_commit(p_store text, p_ops jsonb, p_journal jsonb)
RETURNS bigint[] LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
DECLARE
  op jsonb;
  v bigint;
  versions bigint[] := '{}';
  r jsonb;
BEGIN
  FOR op IN SELECT * FROM jsonb_array_elements(p_ops) LOOP
    v := NULL;
    IF op ? 'tok' THEN
      INSERT INTO faultline_fences AS f (store, lock, token) VALUES (p_store, op->>'k', (op->>'tok')::bigint)
        ON CONFLICT (store, lock) DO UPDATE SET token = EXCLUDED.token WHERE f.token <= EXCLUDED.token;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'token % for % is older than one already written', op->>'tok', op->>'k' USING ERRCODE = 'FL002';
      END IF;
      versions := versions || NULL::bigint;
      CONTINUE;
    END IF;
    r := CASE WHEN jsonb_typeof(op->'row') = 'null' THEN NULL ELSE op->'row' END;
    IF jsonb_typeof(op->'exp') = 'null' THEN
      INSERT INTO faultline_rows (store, tbl, key, row, version) VALUES (p_store, op->>'t', op->>'k', r, nextval('faultline_version_seq'))
        ON CONFLICT DO NOTHING RETURNING version INTO v;
      IF v IS NULL THEN
        RAISE EXCEPTION '%.%[%] was inserted by another writer', p_store, op->>'t', substr(op->>'k', 3) USING ERRCODE = 'FL001';
      END IF;
    ELSE
      UPDATE faultline_rows SET row = r, version = nextval('faultline_version_seq'), xid = txid_current()
        WHERE store = p_store AND tbl = op->>'t' AND key = op->>'k' AND version = (op->>'exp')::bigint RETURNING version INTO v;
      IF v IS NULL THEN
        RAISE EXCEPTION '%.%[%] was changed by another writer since it was read', p_store, op->>'t', substr(op->>'k', 3) USING ERRCODE = 'FL001';
      END IF;
    END IF;
    versions := versions || v;
  END LOOP;
  INSERT INTO faultline_journal (store, at, writes)
    SELECT p_store, (e->>'at')::double precision, e->'w' FROM jsonb_array_elements(p_journal) WITH ORDINALITY AS j(e, n) ORDER BY n;
  RETURN versions;
END $fn$;
-- A refresh: the rows of a store written by transactions from p_xid on. By xid, the recent
-- ones: OFFSET 0 keeps the store out of the scan, which seeing the table empty would as soon
-- read the store's every row by the primary key.
CREATE OR REPLACE FUNCTION faultline_changed_since(p_store text, p_xid bigint)
RETURNS TABLE (tbl text, key text, "row" jsonb, version bigint) LANGUAGE sql STABLE SET enable_seqscan = off AS $fn$
  SELECT r.tbl, r.key, r.row, r.version FROM (SELECT * FROM faultline_rows WHERE xid >= p_xid OFFSET 0) r
  WHERE r.store = p_store ORDER BY r.version
$fn$;`;

const FENCE_TABLE = '$fence';
/** Messages per group commit, at most. */
const GROUP_MAX = 256;

interface Queued {
  readonly writes: readonly WriteRecord[];
  readonly atMs: number;
  readonly expect: ReadonlyMap<string, number | undefined>;
  readonly epoch: number;
  resolve(): void;
  reject(err: unknown): void;
}
/** An expectation: the version the previous queued commit of this row leaves. */
const CHAINED = -1;

/** Why a commit was refused; nothing of it was written. */
export class CommitRefused extends Error {
  constructor(readonly reason: 'fenced' | 'conflict', message: string) {
    super(message);
  }
}

/** A journalled transaction: what the simulator's commit observers get, read back from the database. */
export interface JournalEntry {
  readonly store: string;
  readonly atMs: number;
  readonly writes: WriteRecord[];
}

/** Connects with a bounded wait, and creates the schema (idempotent; safe with concurrent callers). */
export async function connectPg(url: string, max = 4): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {}); // an idle client's socket closed: the next query reconnects or fails clearly
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7307)');
    await client.query(SCHEMA);
    await client.query('SELECT pg_advisory_unlock(7307)');
  } finally {
    client.release();
  }
  return pool;
}

/** One writer's connection to a store: it owns the versions its one mirror read (two writers, two PgStores). */
export class PgStore {
  /** Version each mirrored row was read at (tombstones too): what a write expects to find. */
  private readonly versions = new Versions();
  /**
   * Rows written by transactions with an id below this were all committed when the mirror
   * last looked; rows of later ones may still have been in flight, so a refresh reads
   * them again. (Versions come from a sequence taken before commit, so "above the highest
   * version seen" would miss a row whose transaction took its version early and committed
   * late: found in review.)
   */
  private lowXid = 0;
  /** Commits of this store from this process, in the order the mirror saw them; flushed in groups. */
  private queue: Queued[] = [];
  private flushing: Promise<void> | undefined;
  /** Bumped by every refusal: a commit queued behind a refused one was computed on writes that never happened. */
  private epoch = 0;
  /** Set by a failed commit, cleared by a reload. */
  private poisoned = false;
  /** Rows written by commits still queued: their mirror values are ahead of the database, a refresh must not touch them. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly pool: pg.Pool, readonly name: string) {}

  /** The mirror a behaviour works on: every row of this store, as committed. */
  async load(into?: SimStore): Promise<SimStore> {
    const mirror = into ?? new SimStore(this.name);
    // A reload starts over: commits still queued were computed on the old mirror (refused),
    // and the one in flight must land before the rows are read, or the mirror misses it.
    this.epoch++;
    while (this.flushing !== undefined) await this.flushing;
    this.poisoned = false;
    if (into !== undefined) {
      into.rollback();
      for (const t of into.tableNames()) into.table(t).clear();
    }
    this.versions.clear();
    this.lowXid = 0;
    await this.apply(mirror, 0);
    const fences = await this.pool.query<{ lock: string; token: string }>('SELECT lock, token FROM faultline_fences WHERE store = $1', [this.name]);
    for (const f of fences.rows) mirror.table(FENCE_TABLE).set(f.lock, Number(f.token));
    return mirror;
  }

  /** Pulls into the mirror the rows changed since it last looked (by anyone). */
  async refresh(mirror: SimStore): Promise<void> {
    await this.apply(mirror, this.lowXid);
  }

  private async apply(mirror: SimStore, fromXid: number): Promise<void> {
    // The oldest transaction still running now, taken before the rows are read (so no later).
    const x = await this.pool.query<{ xmin: string }>('SELECT txid_snapshot_xmin(txid_current_snapshot()) AS xmin');
    // A load reads the store by its key; a refresh reads what changed since, by xid.
    const rows = await this.pool.query<{ tbl: string; key: string; row: unknown; version: string }>(fromXid === 0
      ? 'SELECT tbl, key, row, version FROM faultline_rows WHERE store = $1 ORDER BY version'
      : 'SELECT tbl, key, row, version FROM faultline_changed_since($1, $2)', fromXid === 0 ? [this.name] : [this.name, fromXid]);
    this.lowXid = Number(x.rows[0].xmin);
    for (const r of rows.rows) {
      const key = decodeKey(r.key);
      const v = Number(r.version);
      const known = this.versions.get(r.tbl, key) ?? 0;
      if (v <= known || this.pending.has(slot(r.tbl, key))) continue;
      this.versions.set(r.tbl, key, v);
      if (r.row === null) mirror.table(r.tbl).delete(key);
      else mirror.table(r.tbl).set(key, r.row);
    }
  }

  /**
   * Commits one message's writes atomically, or refuses them all (CommitRefused).
   * Call it synchronously after the message's handling: commits queue in call order.
   */
  commit(writes: readonly WriteRecord[], atMs = 0): Promise<void> {
    // After a failed commit the mirror holds writes that never landed: nothing built on it
    // may commit until it is reloaded (the actors that share it restart first).
    if (this.poisoned) return Promise.reject(new CommitRefused('conflict', `${this.name}: a commit failed and the store has not been reloaded since`));
    // A message that wrote nothing still read the mirror, which may hold writes of other
    // messages not committed yet (an outbox relay reads its service's rows): it waits for them
    // (a barrier in the queue) and fails if they fail.
    if (writes.length === 0 && this.queue.length === 0 && this.flushing === undefined) return Promise.resolve();
    // What each write expects to find is fixed now, when the behaviour read it: the version
    // its mirror had, or, for a row an earlier queued commit writes, whatever that commit
    // leaves (CHAINED). Looking it up later would let a refresh in between turn a lost
    // update into a valid-looking one (found by a live chaos run: money not conserved).
    const expect = new Map<string, number | undefined>();
    for (const w of writes) {
      if (w.table === FENCE_TABLE) continue;
      const s = slot(w.table, w.key);
      if (!expect.has(s)) expect.set(s, this.pending.has(s) ? CHAINED : this.versions.get(w.table, w.key));
    }
    for (const s of expect.keys()) this.pending.set(s, (this.pending.get(s) ?? 0) + 1);
    const done = new Promise<void>((resolve, reject) => {
      // An empty array may be a caller's live buffer (SimStore's log): keep a fresh one.
      this.queue.push({ writes: writes.length === 0 ? [] : writes, atMs, expect, epoch: this.epoch, resolve, reject });
    }).finally(() => {
      for (const s of expect.keys()) {
        const n = (this.pending.get(s) ?? 1) - 1;
        if (n === 0) this.pending.delete(s);
        else this.pending.set(s, n);
      }
    });
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    return done;
  }

  /**
   * Group commit: whatever queued while the last round trip ran goes in the next one, as
   * one transaction. Each message stays atomic; a refusal refuses the whole group, which
   * only widens what a conflict already costs (the messages after it built on it anyway).
   */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, GROUP_MAX);
      const current = group.filter((q) => q.epoch === this.epoch);
      for (const q of group) {
        if (q.epoch !== this.epoch) q.reject(new CommitRefused('conflict', `${this.name}: an earlier commit this message's writes built on was refused`));
      }
      if (current.length === 0) continue;
      try {
        if (current.some((q) => q.writes.length > 0)) await this.commitGroup(current);
        for (const q of current) q.resolve();
      } catch (err) {
        // Whatever the failure (a refusal, a deadlock, a lost connection), what was queued
        // behind it built on writes that did not land.
        this.epoch++;
        this.poisoned = true;
        for (const q of current) q.reject(err instanceof CommitRefused ? err : new CommitRefused('conflict', `${this.name}: commit failed: ${(err as Error).message}`));
      }
    }
  }

  private async commitGroup(group: readonly Queued[]): Promise<void> {
    // Each row is written once, with its last value, checked against the version read
    // first; fences keep their order.
    const ops: Record<string, unknown>[] = [];
    const rowOps = new Map<string, { t: string; k: string; row: unknown; exp: number | null }>();
    for (const q of group) {
      for (const w of q.writes) {
        if (w.table === FENCE_TABLE) {
          ops.push({ k: String(w.key), tok: w.next as number });
          continue;
        }
        const s = slot(w.table, w.key);
        const op = rowOps.get(s);
        if (op !== undefined) {
          op.row = w.next ?? null;
          continue;
        }
        const before = q.expect.get(s);
        const expected = before === CHAINED ? this.versions.get(w.table, w.key) : before;
        const fresh = { t: w.table, k: encodeKey(w.key), row: w.next ?? null, exp: expected ?? null };
        rowOps.set(s, fresh);
        ops.push(fresh);
      }
    }
    const journal = group.map((q) => ({ at: q.atMs, w: q.writes.map(encodeWrite) }));
    let versions: (string | null)[];
    try {
      const r = await this.pool.query<{ v: (string | null)[] }>('SELECT faultline_commit($1, $2, $3) AS v', [this.name, JSON.stringify(ops), JSON.stringify(journal)]);
      versions = r.rows[0].v;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FL001' || code === 'FL002') {
        throw new CommitRefused(code === 'FL001' ? 'conflict' : 'fenced', (err as Error).message);
      }
      throw err;
    }
    ops.forEach((op, i) => {
      if ('t' in op && versions[i] !== null) this.versions.set(op.t as string, decodeKey(op.k as string), Number(versions[i]));
    });
  }

  /** Every committed transaction of this store, in commit order. */
  async journal(): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    for await (const j of readJournals(this.pool, [this.name])) out.push(j);
    return out;
  }
}

const JOURNAL_PAGE = 2_000;

/**
 * Journals of several stores merged into one commit order (ids are global), a page at a
 * time: a long run's journal (before and after images of every write) is far larger than
 * what the checkers keep of it, so it is never held whole.
 */
/**
 * A store's rows as they stand, read into `into` a page at a time in key order (the run's
 * checks read a store once, after the run): no page, and no version bookkeeping, grows
 * with the number of rows beyond the rows themselves.
 */
export async function readStore(pool: pg.Pool, name: string, into: SimStore, pageSize = STORE_PAGE): Promise<SimStore> {
  let after: [string, string] = ['', ''];
  for (;;) {
    const r = await pool.query<{ tbl: string; key: string; row: unknown }>(
      'SELECT tbl, key, row FROM faultline_rows WHERE store = $1 AND (tbl, key) > ($2, $3) ORDER BY tbl, key LIMIT $4', [name, after[0], after[1], pageSize]);
    for (const row of r.rows) if (row.row !== null) into.table(row.tbl).set(decodeKey(row.key), row.row);
    if (r.rows.length < pageSize) break;
    const last = r.rows[r.rows.length - 1];
    after = [last.tbl, last.key];
  }
  const fences = await pool.query<{ lock: string; token: string }>('SELECT lock, token FROM faultline_fences WHERE store = $1', [name]);
  for (const f of fences.rows) into.table(FENCE_TABLE).set(f.lock, Number(f.token));
  return into;
}

const STORE_PAGE = 5_000;

export async function* readJournals(pool: pg.Pool, stores: readonly string[]): AsyncGenerator<JournalEntry> {
  for (let after = 0; ;) {
    const r = await pool.query<{ id: string; store: string; at: number; writes: EncodedWrite[] }>(
      'SELECT id, store, at, writes FROM faultline_journal WHERE store = ANY($1) AND id > $2 ORDER BY id LIMIT $3', [stores, after, JOURNAL_PAGE]);
    for (const j of r.rows) yield { store: j.store, atMs: j.at, writes: j.writes.map(decodeWrite) };
    if (r.rows.length < JOURNAL_PAGE) return;
    after = Number(r.rows[r.rows.length - 1].id);
  }
}

interface EncodedWrite { t: string; k: string; p?: unknown; n?: unknown }
const encodeWrite = (w: WriteRecord): EncodedWrite => ({ t: w.table, k: encodeKey(w.key), p: w.prev, n: w.next });
const decodeWrite = (e: EncodedWrite): WriteRecord => ({ table: e.t, key: decodeKey(e.k), prev: e.p ?? undefined, next: e.n ?? undefined });

/**
 * Row versions by table, then key: a mirror keeps one per row it has seen (deleted ones
 * too), so a key is held as it is, not in a string made for the pair (the coordinator's
 * mirror of a store with a row per request grew by one such string per row).
 */
class Versions {
  private readonly byTable = new Map<string, Map<Key, number>>();

  get(table: string, key: Key): number | undefined {
    return this.byTable.get(table)?.get(key);
  }

  set(table: string, key: Key, version: number): void {
    let t = this.byTable.get(table);
    if (t === undefined) this.byTable.set(table, (t = new Map()));
    t.set(key, version);
  }

  clear(): void {
    this.byTable.clear();
  }
}

const slot = (table: string, key: Key) => `${table}\u0000${typeof key === 'number' ? `n:${key}` : `s:${key}`}`;
// Keys are strings or numbers; the type is kept in the stored text so a mirror gets back what was written.
const encodeKey = (k: Key) => (typeof k === 'number' ? `n:${k}` : `s:${k}`);
const decodeKey = (k: string): Key => (k.startsWith('n:') ? Number(k.slice(2)) : k.slice(2));
