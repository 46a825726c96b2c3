// A durable table for millions of rows of one shape, keyed by a dense number: rows are
// kept as columns in typed arrays and built as objects only when read. It behaves as a
// Map (SimStore, the checks and the live mirror use it as one), so a behaviour cannot
// tell. At millions of rows a Map of row objects cost ~430 bytes and ~0.6 µs per
// write; a dense table costs tens of bytes and a few array stores (docs/decisions.md).
//
// A key the table cannot number, or a row it cannot encode (a buggy variant's odd key,
// say), goes to an ordinary Map beside it, so every row is kept, whatever it is.
import type { Key } from '../contract.js';
import { MapBase } from './map-base.js';

/**
 * Whether a row has exactly `n` fields, for an `encode` that stores a fixed shape: a field
 * present with the value undefined is not the same row as one without it, so only the
 * shapes the behaviours build fit, and any other goes to the side Map, kept as written.
 */
export function fieldsAre(row: object, n: number): boolean {
  // Counted with for-in, not Object.keys: this runs on every write and must not allocate.
  // Inherited enumerable fields count too.
  let k = 0;
  for (const _ in row) k++;
  return k === n;
}

export abstract class DenseTable<R> extends MapBase<Key, R> {
  private present = new Uint8Array(0);
  private readonly overflow = new Map<Key, R>();
  private dense = 0;
  /** Capacity of the columns (the highest index + 1 they can hold). */
  protected capacity = 0;

  /**
   * `expectedRows`: how many rows the run will write (the load's count, say): the columns
   * are made that big at the first write instead of doubling their way there, each doubling
   * a copy of every column into freshly faulted-in memory (3% of a run of a million rows).
   */
  constructor(private readonly expectedRows = 0) {
    super();
  }

  /** The dense number of `key`, or -1 if it has none. */
  protected abstract indexOf(key: Key): number;
  protected abstract keyOf(index: number): Key;
  /** Stores `row` at `index`; false if the row cannot be encoded (it then goes to the overflow map). */
  protected abstract encode(index: number, key: Key, row: R): boolean;
  /** The row at `index`; `key` is its key (the caller has it: no string is built for it). */
  protected abstract decode(index: number, key: Key): R;
  /** Grows every column to `capacity`, keeping their contents. */
  protected abstract resize(capacity: number): void;

  // A row is read, then written under the same key (the same string): the key's number
  // is remembered so it is parsed once, not at every access.
  private lastKey: Key | undefined = undefined;
  private lastIndex = -1;

  private indexOfKey(key: Key): number {
    if (key === this.lastKey) return this.lastIndex;
    const i = this.indexOf(key);
    this.lastKey = key;
    this.lastIndex = i;
    return i;
  }

  private ensure(index: number): void {
    if (index < this.capacity) return;
    let cap = Math.max(1_024, this.capacity, this.capacity === 0 ? this.expectedRows + 1 : 0);
    while (cap <= index) cap *= 2;
    const p = new Uint8Array(cap);
    p.set(this.present);
    this.present = p;
    this.resize(cap);
    this.capacity = cap;
  }

  get size(): number {
    return this.dense + this.overflow.size;
  }

  get(key: Key): R | undefined {
    const i = this.indexOfKey(key);
    if (i >= 0 && i < this.capacity && this.present[i] === 1) return this.decode(i, key);
    return this.overflow.size === 0 ? undefined : this.overflow.get(key);
  }

  has(key: Key): boolean {
    const i = this.indexOfKey(key);
    if (i >= 0 && i < this.capacity && this.present[i] === 1) return true;
    return this.overflow.size !== 0 && this.overflow.has(key);
  }

  set(key: Key, row: R): this {
    const i = this.indexOfKey(key);
    if (i >= 0) {
      this.ensure(i);
      if (this.encode(i, key, row)) {
        if (this.present[i] === 0) {
          this.present[i] = 1;
          this.dense++;
          // It may have been kept aside before (a row it could not encode then): one place only.
          if (this.overflow.size !== 0) this.overflow.delete(key);
        }
        return this;
      }
      if (this.present[i] === 1) {
        this.present[i] = 0;
        this.dense--;
      }
    }
    this.overflow.set(key, row);
    return this;
  }

  delete(key: Key): boolean {
    const i = this.indexOfKey(key);
    if (i >= 0 && i < this.capacity && this.present[i] === 1) {
      this.present[i] = 0;
      this.dense--;
      return true;
    }
    return this.overflow.delete(key);
  }

  clear(): void {
    this.present.fill(0);
    this.dense = 0;
    this.overflow.clear();
  }

  *entries(): MapIterator<[Key, R]> {
    for (let i = 0; i < this.capacity; i++) {
      if (this.present[i] !== 1) continue;
      const k = this.keyOf(i);
      yield [k, this.decode(i, k)];
    }
    yield* this.overflow.entries();
  }

  // Keys alone decode no rows, values alone build no [key, row] pairs.
  override *keys(): MapIterator<Key> {
    for (let i = 0; i < this.capacity; i++) if (this.present[i] === 1) yield this.keyOf(i);
    yield* this.overflow.keys();
  }

  override *values(): MapIterator<R> {
    for (let i = 0; i < this.capacity; i++) if (this.present[i] === 1) yield this.decode(i, this.keyOf(i));
    yield* this.overflow.values();
  }

  get [Symbol.toStringTag](): string {
    return 'DenseTable';
  }
}

/** Small sets of strings (statuses, reasons, lock names) as numbers; 0 stands for undefined. */
export class Interner {
  private readonly ids = new Map<string, number>();
  private readonly strings: (string | undefined)[] = [undefined];

  /** The id of `s` (new strings get the next id), or -1 once `max` ids are used. */
  id(s: string | undefined, max = 65_535): number {
    if (s === undefined) return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      if (this.strings.length > max) return -1;
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  string(id: number): string | undefined {
    return this.strings[id];
  }
}
