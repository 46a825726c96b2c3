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
  PRIMARY KEY (store, tbl, key)
);
CREATE INDEX IF NOT EXISTS faultline_rows_by_version ON faultline_rows (store, version);
CREATE TABLE IF NOT EXISTS faultline_fences (
  store text NOT NULL, lock text NOT NULL, token bigint NOT NULL,
  PRIMARY KEY (store, lock)
);
CREATE TABLE IF NOT EXISTS faultline_journal (
  id bigserial PRIMARY KEY, store text NOT NULL, at double precision NOT NULL, writes jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS faultline_journal_by_store ON faultline_journal (store, id);`;

const FENCE_TABLE = '$fence';
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
  private readonly versions = new Map<string, number>();
  private highest = 0;
  /** Commits of this store from this process run one at a time, in the order the mirror saw them. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Bumped by every refusal: a commit queued behind a refused one was computed on writes that never happened. */
  private epoch = 0;
  /** Rows written by commits still queued: their mirror values are ahead of the database, a refresh must not touch them. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly pool: pg.Pool, readonly name: string) {}

  /** The mirror a behaviour works on: every row of this store, as committed. */
  async load(into?: SimStore): Promise<SimStore> {
    const mirror = into ?? new SimStore(this.name);
    // A reload starts over: commits still queued were computed on the old mirror (refused),
    // and the one in flight must land before the rows are read, or the mirror misses it.
    this.epoch++;
    await this.chain;
    if (into !== undefined) {
      into.rollback();
      for (const t of into.tableNames()) into.table(t).clear();
    }
    this.versions.clear();
    this.highest = 0;
    await this.apply(mirror, 0);
    const fences = await this.pool.query<{ lock: string; token: string }>('SELECT lock, token FROM faultline_fences WHERE store = $1', [this.name]);
    for (const f of fences.rows) mirror.table(FENCE_TABLE).set(f.lock, Number(f.token));
    return mirror;
  }

  /** Pulls into the mirror the rows changed since it last looked (by anyone). */
  async refresh(mirror: SimStore): Promise<void> {
    await this.apply(mirror, this.highest);
  }

  private async apply(mirror: SimStore, after: number): Promise<void> {
    const rows = await this.pool.query<{ tbl: string; key: string; row: unknown; version: string }>(
      'SELECT tbl, key, row, version FROM faultline_rows WHERE store = $1 AND version > $2 ORDER BY version', [this.name, after]);
    for (const r of rows.rows) {
      const key = decodeKey(r.key);
      const v = Number(r.version);
      if (v > this.highest) this.highest = v;
      const known = this.versions.get(slot(r.tbl, key)) ?? 0;
      if (v <= known || this.pending.has(slot(r.tbl, key))) continue;
      this.versions.set(slot(r.tbl, key), v);
      if (r.row === null) mirror.table(r.tbl).delete(key);
      else mirror.table(r.tbl).set(key, r.row);
    }
  }

  /**
   * Commits one message's writes atomically, or refuses them all (CommitRefused).
   * Call it synchronously after the message's handling: commits queue in call order.
   */
  commit(writes: readonly WriteRecord[], atMs = 0): Promise<void> {
    if (writes.length === 0) return Promise.resolve();
    const epoch = this.epoch;
    // What each write expects to find is fixed now, when the behaviour read it: the version
    // its mirror had, or, for a row an earlier queued commit writes, whatever that commit
    // leaves (CHAINED). Looking it up later would let a refresh in between turn a lost
    // update into a valid-looking one (found by a live chaos run: money not conserved).
    const expect = new Map<string, number | undefined>();
    for (const w of writes) {
      if (w.table === FENCE_TABLE) continue;
      const s = slot(w.table, w.key);
      if (!expect.has(s)) expect.set(s, this.pending.has(s) ? CHAINED : this.versions.get(s));
    }
    for (const s of expect.keys()) this.pending.set(s, (this.pending.get(s) ?? 0) + 1);
    const run = this.chain.then(() => {
      if (epoch !== this.epoch) throw new CommitRefused('conflict', `${this.name}: an earlier commit this message's writes built on was refused`);
      return this.commitNow(writes, atMs, expect);
    }).finally(() => {
      for (const s of expect.keys()) {
        const n = (this.pending.get(s) ?? 1) - 1;
        if (n === 0) this.pending.delete(s);
        else this.pending.set(s, n);
      }
    });
    this.chain = run.catch(() => {});
    return run;
  }

  private async commitNow(writes: readonly WriteRecord[], atMs: number, expect: ReadonlyMap<string, number | undefined>): Promise<void> {
    const client = await this.pool.connect();
    const seen = new Map<string, number>();
    try {
      await client.query('BEGIN');
      for (const w of writes) {
        if (w.table === FENCE_TABLE) {
          const token = w.next as number;
          const r = await client.query(
            `INSERT INTO faultline_fences (store, lock, token) VALUES ($1, $2, $3)
             ON CONFLICT (store, lock) DO UPDATE SET token = EXCLUDED.token WHERE faultline_fences.token <= EXCLUDED.token`,
            [this.name, String(w.key), token],
          );
          if (r.rowCount === 0) throw new CommitRefused('fenced', `token ${token} for ${String(w.key)} is older than one already written`);
          continue;
        }
        const s = slot(w.table, w.key);
        const before = expect.get(s);
        const expected = seen.get(s) ?? (before === CHAINED ? this.versions.get(s) : before);
        const row = w.next === undefined ? null : JSON.stringify(w.next);
        const r = expected === undefined
          ? await client.query<{ version: string }>(
            `INSERT INTO faultline_rows (store, tbl, key, row, version) VALUES ($1, $2, $3, $4, nextval('faultline_version_seq'))
             ON CONFLICT DO NOTHING RETURNING version`, [this.name, w.table, encodeKey(w.key), row])
          : await client.query<{ version: string }>(
            `UPDATE faultline_rows SET row = $4, version = nextval('faultline_version_seq')
             WHERE store = $1 AND tbl = $2 AND key = $3 AND version = $5 RETURNING version`,
            [this.name, w.table, encodeKey(w.key), row, expected]);
        if (r.rowCount === 0) {
          throw new CommitRefused('conflict', expected === undefined
            ? `${this.name}.${w.table}[${String(w.key)}] was inserted by another writer`
            : `${this.name}.${w.table}[${String(w.key)}] was changed by another writer since it was read`);
        }
        seen.set(s, Number(r.rows[0].version));
      }
      await client.query('INSERT INTO faultline_journal (store, at, writes) VALUES ($1, $2, $3)', [this.name, atMs, JSON.stringify(writes.map(encodeWrite))]);
      await client.query('COMMIT');
      for (const [s, v] of seen) this.versions.set(s, v);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (err instanceof CommitRefused) this.epoch++;
      throw err;
    } finally {
      client.release();
    }
  }

  /** Every committed transaction of this store, in commit order. */
  async journal(): Promise<JournalEntry[]> {
    const r = await this.pool.query<{ at: number; writes: EncodedWrite[] }>('SELECT at, writes FROM faultline_journal WHERE store = $1 ORDER BY id', [this.name]);
    return r.rows.map((j) => ({ store: this.name, atMs: j.at, writes: j.writes.map(decodeWrite) }));
  }
}

/** Journals of several stores merged into one commit order (ids are global). */
export async function readJournals(pool: pg.Pool, stores: readonly string[]): Promise<JournalEntry[]> {
  const r = await pool.query<{ store: string; at: number; writes: EncodedWrite[] }>(
    'SELECT store, at, writes FROM faultline_journal WHERE store = ANY($1) ORDER BY id', [stores]);
  return r.rows.map((j) => ({ store: j.store, atMs: j.at, writes: j.writes.map(decodeWrite) }));
}

interface EncodedWrite { t: string; k: string; p?: unknown; n?: unknown }
const encodeWrite = (w: WriteRecord): EncodedWrite => ({ t: w.table, k: encodeKey(w.key), p: w.prev, n: w.next });
const decodeWrite = (e: EncodedWrite): WriteRecord => ({ table: e.t, key: decodeKey(e.k), prev: e.p ?? undefined, next: e.n ?? undefined });

const slot = (table: string, key: Key) => `${table}\u0000${typeof key === 'number' ? `n:${key}` : `s:${key}`}`;
// Keys are strings or numbers; the type is kept in the stored text so a mirror gets back what was written.
const encodeKey = (k: Key) => (typeof k === 'number' ? `n:${k}` : `s:${k}`);
const decodeKey = (k: string): Key => (k.startsWith('n:') ? Number(k.slice(2)) : k.slice(2));
