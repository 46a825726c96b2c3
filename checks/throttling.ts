// Retry discipline against a throttled downstream: once a caller has been told to come
// back after a Retry-After, it does not try that call again before it has passed. Judged
// on the caller's own record of what it sent and what it was told, at the runtime's
// commit times (never on a clock the caller reads): a refusal counts from when the caller
// handled it, so an attempt already in flight, or sent before a late refusal came back,
// is not held against it: the caller could not have known.
import type { Key } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';
import { ViolationLog, type Checker } from './types.js';

export interface RetryAfterOptions {
  readonly name: string;
  readonly description?: string;
  /**
   * The callers' record of their calls to the downstream: a row written when an attempt is
   * sent, and a row written when a refusal with a Retry-After is received (in the
   * transaction of the message that brought it).
   */
  readonly calls: {
    readonly stores: readonly string[];
    readonly table: string;
    /** The logical call a row is about (its attempts and refusals share it). */
    callOf(row: any, key: Key): string;
    /** For a refusal's row, its Retry-After in ms; undefined for an attempt's row. */
    retryAfterMsOf(row: any): number | undefined;
  };
}

export function retryAfterHonoured(o: RetryAfterOptions): Checker & { readonly refusals: number } {
  const description = o.description ?? 'no call refused with a Retry-After is tried again before it has passed';
  const log = new ViolationLog(o.name, description);
  /** Per store and logical call: when the caller may send it again. */
  const notBefore = new Map<string, number>();
  /** Calls already found early: each is one violation, however many of its attempts came early. */
  const early = new Set<string>();
  const stores = new Set(o.calls.stores);
  let refusals = 0;
  return {
    name: o.name,
    description,
    stores: o.calls.stores,
    get refusals() {
      return refusals;
    },
    onCommit(store: string, writes: readonly WriteRecord[], tMs: number) {
      if (!stores.has(store)) return;
      for (const w of writes) {
        if (w.next === undefined || w.table !== o.calls.table) continue;
        const call = o.calls.callOf(w.next, w.key);
        const at = `${store}\u0000${call}`;
        const after = o.calls.retryAfterMsOf(w.next);
        if (after !== undefined) {
          refusals++;
          notBefore.set(at, Math.max(notBefore.get(at) ?? -Infinity, tMs + after));
          continue;
        }
        const due = notBefore.get(at);
        if (due !== undefined && tMs < due && !early.has(at)) {
          early.add(at);
          log.add(call, `sent again ${Math.round((due - tMs) * 10) / 10} ms before the Retry-After it had been given passed`);
        }
      }
    },
    check: () => log.result(),
  };
}

export interface GrantsWithinLimitOptions {
  readonly name: string;
  readonly description?: string;
  /** Where grants are recorded, one new row per grant (by whichever instance decides them). */
  readonly grants: { readonly stores: readonly string[]; readonly table: string; keyOf(row: any, key: Key): string; idOf?(row: any, key: Key): string };
  readonly maxCalls: number;
  readonly windowMs: number;
  /**
   * What the caller let through (a gateway's record of each request it sent on, written in
   * the transaction that sends it): each must name a grant (`grantOf`, matched to the grants'
   * `idOf`). A caller that lets a request through on a refusal, or without asking when the
   * limit store is away (failing open), is caught here, where the limit store's own grants
   * look fine.
   */
  readonly admissions?: { readonly stores: readonly string[]; readonly table: string; grantOf(row: any, key: Key): string };
}

/**
 * A rate limit held: per key (a client), at most `maxCalls` grants in any window of
 * `windowMs` (each grant counts in (t - windowMs, t], as a sliding window counts it),
 * across every store that records grants: two instances each keeping the limit for
 * themselves break it together. Judged on commit times.
 */
export function grantsWithinLimit(o: GrantsWithinLimitOptions): Checker & { readonly grants: number } {
  const description = o.description ?? `at most ${o.maxCalls} grants per key in any ${o.windowMs} ms`;
  const log = new ViolationLog(o.name, description);
  const recent = new Map<string, number[]>();
  const over = new Set<string>();
  const stores = new Set(o.grants.stores);
  let grants = 0;
  const grantIds = new Set<string>();
  if (o.admissions !== undefined && o.grants.idOf === undefined) throw new Error(`${o.name}: admissions are matched to grants by grants.idOf; give it`);
  return {
    name: o.name,
    description,
    stores: o.grants.stores,
    get grants() {
      return grants;
    },
    onCommit(store: string, writes: readonly WriteRecord[], tMs: number) {
      if (!stores.has(store)) return;
      for (const w of writes) {
        // A grant is a new row; its deletion (the window sliding past it) is not one.
        if (w.next === undefined || w.prev !== undefined || w.table !== o.grants.table) continue;
        grants++;
        if (o.grants.idOf !== undefined) grantIds.add(o.grants.idOf(w.next, w.key));
        const key = o.grants.keyOf(w.next, w.key);
        let times = recent.get(key);
        if (times === undefined) recent.set(key, (times = []));
        while (times.length > 0 && times[0] <= tMs - o.windowMs) times.shift();
        times.push(tMs);
        if (times.length > o.maxCalls && !over.has(key)) {
          over.add(key);
          log.add(key, `${times.length} grants within ${o.windowMs} ms (the limit is ${o.maxCalls})`);
        }
      }
    },
    check(obs) {
      if (o.admissions === undefined) return log.result();
      for (const store of o.admissions.stores) {
        for (const [key, row] of obs.table(store, o.admissions.table)) {
          const grant = o.admissions.grantOf(row, key);
          if (!grantIds.has(grant)) log.add(String(key), `${store} let it through (${o.admissions.table}) under grant "${grant}", which no limit store ever made`);
        }
      }
      return log.result();
    },
  };
}
