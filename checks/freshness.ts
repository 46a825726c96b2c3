// Bounded staleness: after a value changes, no read may serve an older version for longer
// than a bound (a cache's TTL backstop, say). Judged on the runtime's commit times, never
// on the actors' clocks (a skewed clock must not excuse a stale read, nor accuse a fresh
// one): a version exists from when its write committed, and a read happened when the
// transaction that recorded it committed.
import type { Key } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';
import { ViolationLog, type Checker } from './types.js';

export interface StaleReadsOptions {
  readonly name: string;
  readonly description?: string;
  /** Where the value is changed: each write of a row is a version of the value named by its key. */
  readonly versions: { readonly store: string; readonly table: string; versionOf(row: any): number };
  /** Where reads are recorded: each write of a row is one read of `valueOf(row)` that served `versionOf(row)`. */
  readonly reads: { readonly stores: readonly string[]; readonly table: string; valueOf(row: any, key: Key): string; versionOf(row: any): number };
  /** How long after a newer version committed an older one may still be served. */
  readonly maxStalenessMs: number;
}

const span = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms * 10) / 10} ms`);

export function staleReadsBounded(o: StaleReadsOptions): Checker & { readonly reads: number } {
  const description = o.description ?? `no read serves a version older than the latest by more than ${span(o.maxStalenessMs)} after the newer one was written`;
  const log = new ViolationLog(o.name, description);
  /** Per value: versions in the order they committed, with the time each first did. */
  const history = new Map<string, { version: number; at: number }[]>();
  const readStores = new Set(o.reads.stores);
  let reads = 0;
  const onVersion = (value: string, version: number, at: number) => {
    let h = history.get(value);
    if (h === undefined) history.set(value, (h = []));
    if (h.length > 0 && h[h.length - 1].version >= version) return; // written again (a replay), or not newer
    h.push({ version, at });
  };
  const onRead = (value: string, version: number, at: number, key: Key) => {
    reads++;
    const h = history.get(value);
    if (h === undefined) return;
    // The first version newer than the one served: how long it had existed when this read happened.
    let i = h.length - 1;
    while (i > 0 && h[i - 1].version > version) i--;
    const newer = h[i];
    if (newer.version <= version) return;
    const age = at - newer.at;
    if (age > o.maxStalenessMs) {
      log.add(String(key), `served version ${version} of ${value} ${span(age)} after version ${newer.version} was written (bound ${span(o.maxStalenessMs)}; the latest then was ${h[h.length - 1].version})`);
    }
  };
  return {
    name: o.name,
    description,
    stores: [o.versions.store, ...o.reads.stores],
    get reads() {
      return reads;
    },
    onCommit(store: string, writes: readonly WriteRecord[], tMs: number) {
      const isVersions = store === o.versions.store;
      const isReads = readStores.has(store);
      for (const w of writes) {
        if (w.next === undefined) continue;
        if (isVersions && w.table === o.versions.table) onVersion(String(w.key), o.versions.versionOf(w.next), tMs);
        if (isReads && w.table === o.reads.table) onRead(o.reads.valueOf(w.next, w.key), o.reads.versionOf(w.next), tMs, w.key);
      }
    },
    check: () => log.result(),
  };
}
