// A Map for whole-number keys that mostly arrive in increasing order and leave from
// the front: an outbox keyed by sequence, requests in flight keyed by request number,
// records held keyed by offset. A JS Map used as such a queue rehashes every few
// hundred operations, and because the Map lives long each new backing store survives
// into the old generation: at a million requests, three such Maps were over a third of
// everything the GC promoted. Here the rows sit in a ring buffer over the window of keys
// [lo, hi), which moves forward as the front empties (docs/decisions.md, "seq maps").
//
// Any other key (below the window, far beyond it, not a whole number) goes to an
// ordinary Map beside it, so every entry is kept. Iteration visits the window in key
// order, then the side Map: not insertion order, the one way this differs from a Map.

import { MapBase } from './map-base.js';

/** Keys at most this far past the end of the window extend it; the rest go to the side Map. */
const MAX_GAP = 1024;
/** The window never spans more keys than this (a front entry that never leaves must not grow it without end). */
const MAX_SPAN = 1 << 20;
const HOLE: unique symbol = Symbol('hole');

export class SeqMap<K, V> extends MapBase<K, V> {
  /** A ring: key k sits at rows[k & mask]; every slot outside [lo, hi) is a hole. */
  private rows: (V | typeof HOLE)[] = new Array<V | typeof HOLE>(16).fill(HOLE);
  private mask = 15;
  private lo = 0;
  private hi = 0;
  private inWindow = 0;
  private readonly side = new Map<K, V>();

  private slot(key: K): number {
    if (typeof key !== 'number' || key < this.lo || key >= this.hi || !Number.isInteger(key)) return -1;
    return key & this.mask;
  }

  get size(): number {
    return this.inWindow + this.side.size;
  }

  get(key: K): V | undefined {
    const i = this.slot(key);
    if (i >= 0) {
      const r = this.rows[i];
      if (r !== HOLE) return r;
    }
    return this.side.size === 0 ? undefined : this.side.get(key);
  }

  has(key: K): boolean {
    const i = this.slot(key);
    if (i >= 0 && this.rows[i] !== HOLE) return true;
    return this.side.size !== 0 && this.side.has(key);
  }

  set(key: K, value: V): this {
    let i = this.slot(key);
    if (i < 0) i = this.extendTo(key);
    if (i < 0) {
      this.side.set(key, value);
      return this;
    }
    if (this.rows[i] === HOLE) {
      this.inWindow++;
      // It may have been kept aside before: one place only.
      if (this.side.size !== 0) this.side.delete(key);
    }
    this.rows[i] = value;
    return this;
  }

  /** Moves the window's end to take `key` if it is a whole number just past it; its slot, or -1. */
  private extendTo(key: K): number {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key > 0x7fffffff) return -1;
    if (this.inWindow === 0) {
      this.lo = key; // an empty window starts again where the keys are now
      this.hi = key;
    }
    if (key < this.hi || key - this.hi > MAX_GAP || key - this.lo >= MAX_SPAN) return -1;
    while (key - this.lo > this.mask) this.grow();
    this.hi = key + 1;
    return key & this.mask;
  }

  private grow(): void {
    const old = this.rows;
    const oldMask = this.mask;
    const rows = new Array<V | typeof HOLE>(old.length * 2).fill(HOLE);
    const mask = rows.length - 1;
    for (let k = this.lo; k < this.hi; k++) rows[k & mask] = old[k & oldMask];
    this.rows = rows;
    this.mask = mask;
  }

  delete(key: K): boolean {
    const i = this.slot(key);
    if (i >= 0 && this.rows[i] !== HOLE) {
      this.rows[i] = HOLE;
      this.inWindow--;
      if (this.inWindow === 0) this.lo = this.hi;
      else if (key === this.lo) while (this.rows[this.lo & this.mask] === HOLE) this.lo++;
      return true;
    }
    return this.side.size !== 0 && this.side.delete(key);
  }

  clear(): void {
    this.rows.fill(HOLE);
    this.lo = this.hi = this.inWindow = 0;
    this.side.clear();
  }

  *entries(): MapIterator<[K, V]> {
    for (let k = this.lo; k < this.hi; k++) {
      const r = this.rows[k & this.mask];
      if (r !== HOLE) yield [k as K, r];
    }
    yield* this.side.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'SeqMap';
  }
}
