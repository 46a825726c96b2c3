// In-memory durable store for the simulator. Writes apply at once (so a behaviour
// reads its own writes) and are logged; the log is the transaction: it is the undo
// log if the handling aborts, and what observers see when it commits.
import type { DurableStore, Key } from '../contract.js';

export interface WriteRecord {
  readonly table: string;
  readonly key: Key;
  readonly prev: unknown;
  /** undefined: the row was deleted. */
  readonly next: unknown;
}

const FENCE_TABLE = '$fence';
const NO_WRITES: readonly WriteRecord[] = Object.freeze([]);

export class SimStore implements DurableStore {
  private readonly tables = new Map<string, Map<Key, unknown>>();
  /** Writes of the open transaction, in order. */
  private log: WriteRecord[] = [];

  constructor(readonly name: string) {}

  // Behaviours name tables with string literals (interned), so comparing with the last
  // table used is a pointer check that saves the outer Map lookup on most operations.
  private lastName = '';
  private lastTable: Map<Key, unknown> | undefined;

  /**
   * Table `name` itself, for readers and for writers outside a transaction (the live
   * store's refresh): whoever holds it may change rows, so the remembered read is dropped.
   */
  table(name: string): Map<Key, unknown> {
    this.readKey = undefined;
    return this.tableOf(name);
  }

  private tableOf(name: string): Map<Key, unknown> {
    if (name === this.lastName && this.lastTable !== undefined) return this.lastTable;
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new Map();
      this.tables.set(name, t);
    }
    this.lastName = name;
    this.lastTable = t;
    return t;
  }

  /**
   * Keeps table `name` in `table` (e.g. a DenseTable for millions of rows of one shape)
   * instead of a plain Map; declared before anything is written to it.
   */
  useTable(name: string, table: Map<Key, unknown>): void {
    this.readKey = undefined;
    if ((this.tables.get(name)?.size ?? 0) > 0) throw new Error(`table ${this.name}.${name} already has rows`);
    this.tables.set(name, table);
    if (this.lastName === name) this.lastTable = table;
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  // The row the last get returned. A behaviour reads a row, then writes its successor:
  // the write's `prev` is that same row, so it is not read (for a dense table, decoded)
  // a second time. Any write forgets it.
  private readTable = '';
  private readKey: Key | undefined = undefined;
  private readRow: unknown = undefined;

  get<R>(table: string, key: Key): R | undefined {
    const row = this.tableOf(table).get(key);
    this.readTable = table;
    this.readKey = key;
    this.readRow = row;
    return row as R | undefined;
  }

  /** The row under `key` now: from the last get if it read this very row. */
  private current(t: Map<Key, unknown>, table: string, key: Key): unknown {
    return key === this.readKey && table === this.readTable ? this.readRow : t.get(key);
  }

  has(table: string, key: Key): boolean {
    return this.tableOf(table).has(key);
  }

  put<R>(table: string, key: Key, row: R): void {
    const t = this.tableOf(table);
    this.log.push({ table, key, prev: this.current(t, table, key), next: row });
    this.readKey = undefined;
    t.set(key, row);
  }

  insertIfAbsent<R>(table: string, key: Key, row: R): boolean {
    const t = this.tableOf(table);
    if (t.has(key)) return false;
    this.log.push({ table, key, prev: undefined, next: row });
    this.readKey = undefined;
    t.set(key, row);
    return true;
  }

  delete(table: string, key: Key): void {
    const t = this.tableOf(table);
    if (!t.has(key)) return;
    this.log.push({ table, key, prev: this.current(t, table, key), next: undefined });
    this.readKey = undefined;
    t.delete(key);
  }

  fence(lock: string, token: number): boolean {
    const seen = this.get<number>(FENCE_TABLE, lock);
    if (seen !== undefined && token < seen) return false;
    if (seen !== token) this.put(FENCE_TABLE, lock, token);
    return true;
  }

  scan<R>(table: string, limit = Infinity): [Key, R][] {
    const out: [Key, R][] = [];
    if (limit <= 0) return out;
    for (const entry of this.tableOf(table)) {
      out.push(entry as [Key, R]);
      if (out.length >= limit) break;
    }
    return out;
  }

  putIfVersion<R extends { readonly version: number }>(table: string, key: Key, expected: number, row: R): boolean {
    const cur = this.get<{ version?: unknown }>(table, key);
    const version = cur === undefined ? 0 : typeof cur.version === 'number' ? cur.version : NaN;
    if (version !== expected) return false;
    this.put(table, key, row);
    return true;
  }

  /** Number of writes in the open transaction. */
  get pending(): number {
    return this.log.length;
  }

  /**
   * Ends the open transaction and returns its writes; the array is the caller's to keep
   * (an empty transaction gets a shared frozen array, never the live log: a live commit
   * queue once kept the live log and committed later messages' writes with it).
   */
  commit(): readonly WriteRecord[] {
    const l = this.log;
    if (l.length === 0) return NO_WRITES;
    this.log = [];
    return l;
  }

  /** Undoes the open transaction's writes, newest first. */
  rollback(): void {
    this.readKey = undefined;
    const l = this.log;
    for (let i = l.length - 1; i >= 0; i--) {
      const w = l[i];
      const t = this.tableOf(w.table);
      if (w.prev === undefined) t.delete(w.key);
      else t.set(w.key, w.prev);
    }
    l.length = 0;
  }
}
