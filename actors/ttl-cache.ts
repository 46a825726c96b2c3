// A local (L1) cache as a value on the actor's clock: entries expire a TTL after the value
// was *asked for* (not after the answer arrived: a slow or delayed answer must not stretch
// how old a served value can be), each with its own jitter drawn from the actor's random
// stream so a fleet's entries do not expire together (a stampede on the shared cache).
// Without a TTL an entry lives until evicted: the design the seeds' stale-config incident
// ran, where a lost eviction message leaves a pod serving the old value for good.
import { z } from 'zod';

export const ttlCacheSchema = z.strictObject({
  /** Entries expire this long after the value was asked for; undefined: never (eviction only). */
  ttlMs: z.number().positive().optional(),
  /** Up to this much is added to each entry's TTL, uniformly (Caffeine users add it by hand). */
  jitterMs: z.number().min(0).default(0),
});

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class TtlCache<K, V> {
  private readonly o: z.output<typeof ttlCacheSchema>;
  private readonly entries = new Map<K, Entry<V>>();

  constructor(options: z.input<typeof ttlCacheSchema>) {
    this.o = ttlCacheSchema.parse(options);
  }

  /** The longest a served value can have been held since it was asked for: the TTL plus its jitter (Infinity without a TTL). */
  get maxAgeMs(): number {
    return this.o.ttlMs === undefined ? Infinity : this.o.ttlMs + this.o.jitterMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry for `key` at `nowMs` (an expired one is dropped). */
  get(key: K, nowMs: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (nowMs >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Keeps `value`, asked for at `askedAtMs`; `random` in [0, 1) draws the jitter. */
  set(key: K, value: V, askedAtMs: number, random: () => number): void {
    const ttl = this.o.ttlMs === undefined ? Infinity : this.o.ttlMs + (this.o.jitterMs > 0 ? random() * this.o.jitterMs : 0);
    this.entries.set(key, { value, expiresAt: askedAtMs + ttl });
  }

  evict(key: K): boolean {
    return this.entries.delete(key);
  }
}
