// What a Map-compatible table gets from its entries(): keys, values, forEach, iteration.
// DenseTable and SeqMap stand in for Maps (stores, checks and behaviours use them as
// such) and implement only the rest.

export abstract class MapBase<K, V> implements Map<K, V> {
  abstract readonly size: number;
  abstract get(key: K): V | undefined;
  abstract has(key: K): boolean;
  abstract set(key: K, value: V): this;
  abstract delete(key: K): boolean;
  abstract clear(): void;
  abstract entries(): MapIterator<[K, V]>;
  abstract readonly [Symbol.toStringTag]: string;

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
