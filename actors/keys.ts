// Numbered keys: request n of a load generator has the idempotency key `<prefix>-<n>`.
// Parsing one back costs no allocation, which matters where it runs per message (dense
// tables keyed by request number, the checks' bookkeeping at millions of requests).
import type { Key } from '../runtime/contract.js';

export interface KeyNumbering {
  readonly prefix: string;
  /** The key of number n (n >= 1). */
  keyOf(n: number): string;
  /** The n of `<prefix>-<n>` (n >= 1, no leading zero, below 2^31), or -1 for any other key. */
  numberOf(key: Key): number;
}

export function keyNumbering(prefix: string): KeyNumbering {
  if (!/^[A-Za-z][\w.:]*$/.test(prefix)) throw new Error(`a key prefix is a letter then letters, digits, '_', '.' or ':', got "${prefix}"`);
  const head = `${prefix}-`;
  const h = head.length;
  return {
    prefix,
    keyOf: (n) => head + n,
    numberOf(key) {
      if (typeof key !== 'string' || key.length <= h || key.length > h + 10 || !key.startsWith(head)) return -1;
      if (key.charCodeAt(h) === 48) return -1; // "<prefix>-0…": not a form keyOf gives back
      let n = 0;
      for (let i = h; i < key.length; i++) {
        const c = key.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return -1;
        n = n * 10 + c;
      }
      return n <= 0x7fffffff ? n : -1;
    },
  };
}
