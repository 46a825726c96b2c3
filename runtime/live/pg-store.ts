// The durable store of the live runtime, on PostgreSQL. Behaviours stay synchronous:
// they read and write an in-memory mirror of their store (SimStore, loaded from the
// database at start and after a crash), and the runtime commits the message's write log
// as ONE transaction before performing any send or produce (DESIGN.md's step 2).
// Insert-if-absent is enforced by the database too (ON CONFLICT DO NOTHING; a conflict
// means another writer got there first: the transaction aborts), and fencing is a
// conditional update (a token lower than one seen aborts it).
import pg from 'pg';
import { SimStore, type WriteRecord } from '../sim/store.js';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS faultline_rows (
  store text NOT NULL, tbl text NOT NULL, key text NOT NULL, row jsonb NOT NULL,
  PRIMARY KEY (store, tbl, key)
);
CREATE TABLE IF NOT EXISTS faultline_fences (
  store text NOT NULL, lock text NOT NULL, token bigint NOT NULL,
  PRIMARY KEY (store, lock)
);`;

const FENCE_TABLE = '$fence';

/** Why a commit was refused; nothing of it was written. */
export class CommitRefused extends Error {
  constructor(readonly reason: 'fenced' | 'conflict', message: string) {
    super(message);
  }
}

export class PgStore {
  constructor(private readonly pool: pg.Pool, readonly name: string) {}

  static async connect(url: string): Promise<pg.Pool> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
    await pool.query(SCHEMA);
    return pool;
  }

  /** The mirror a behaviour works on: every row of this store, as committed. */
  async load(): Promise<SimStore> {
    const mirror = new SimStore(this.name);
    const rows = await this.pool.query<{ tbl: string; key: string; row: unknown }>('SELECT tbl, key, row FROM faultline_rows WHERE store = $1 ORDER BY tbl, key', [this.name]);
    for (const r of rows.rows) mirror.table(r.tbl).set(decodeKey(r.key), r.row);
    const fences = await this.pool.query<{ lock: string; token: string }>('SELECT lock, token FROM faultline_fences WHERE store = $1', [this.name]);
    for (const f of fences.rows) mirror.table(FENCE_TABLE).set(f.lock, Number(f.token));
    mirror.commit(); // loading is not a write
    return mirror;
  }

  /** Commits one message's writes atomically, or refuses them all. */
  async commit(writes: readonly WriteRecord[]): Promise<void> {
    if (writes.length === 0) return;
    const client = await this.pool.connect();
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
        } else if (w.next === undefined) {
          await client.query('DELETE FROM faultline_rows WHERE store = $1 AND tbl = $2 AND key = $3', [this.name, w.table, encodeKey(w.key)]);
        } else if (w.prev === undefined) {
          const r = await client.query('INSERT INTO faultline_rows (store, tbl, key, row) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [this.name, w.table, encodeKey(w.key), JSON.stringify(w.next)]);
          if (r.rowCount === 0) throw new CommitRefused('conflict', `${w.table}[${String(w.key)}] was inserted by another writer`);
        } else {
          await client.query('UPDATE faultline_rows SET row = $4 WHERE store = $1 AND tbl = $2 AND key = $3', [this.name, w.table, encodeKey(w.key), JSON.stringify(w.next)]);
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

// Keys are strings or numbers; the type is kept in the stored text so a mirror gets back what was written.
const encodeKey = (k: string | number) => (typeof k === 'number' ? `n:${k}` : `s:${k}`);
const decodeKey = (k: string) => (k.startsWith('n:') ? Number(k.slice(2)) : k.slice(2));
