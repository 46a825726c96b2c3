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

  table(name: string): Map<Key, unknown> {
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
    if ((this.tables.get(name)?.size ?? 0) > 0) throw new Error(`table ${this.name}.${name} already has rows`);
    this.tables.set(name, table);
    if (this.lastName === name) this.lastTable = table;
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  get<R>(table: string, key: Key): R | undefined {
    return this.table(table).get(key) as R | undefined;
  }

  has(table: string, key: Key): boolean {
    return this.table(table).has(key);
  }

  put<R>(table: string, key: Key, row: R): void {
    const t = this.table(table);
    this.log.push({ table, key, prev: t.get(key), next: row });
    t.set(key, row);
  }

  insertIfAbsent<R>(table: string, key: Key, row: R): boolean {
    const t = this.table(table);
    if (t.has(key)) return false;
    this.log.push({ table, key, prev: undefined, next: row });
    t.set(key, row);
    return true;
  }

  delete(table: string, key: Key): void {
    const t = this.table(table);
    if (!t.has(key)) return;
    this.log.push({ table, key, prev: t.get(key), next: undefined });
    t.delete(key);
  }

  fence(lock: string, token: number): boolean {
    const seen = this.get<number>(FENCE_TABLE, lock);
    if (seen !== undefined && token < seen) return false;
    if (seen !== token) this.put(FENCE_TABLE, lock, token);
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
    const l = this.log;
    for (let i = l.length - 1; i >= 0; i--) {
      const w = l[i];
      const t = this.table(w.table);
      if (w.prev === undefined) t.delete(w.key);
      else t.set(w.key, w.prev);
    }
    l.length = 0;
  }
}
