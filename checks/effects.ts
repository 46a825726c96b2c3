// The kit's effect checkers, as data over what the runtime observed. An effect is a row:
// a ledger entry that moved money, a document sent, a charge approved. Each checker names
// the key it found wrong and says how; the runner then collects that key's trace.
//
// At millions of rows the lookups are the cost, so pairings are proven by counting plus
// one lookup per row on one side; only when a count disagrees, or something already
// failed, does a checker look every key up to name the offending ones.
import type { Key } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';
import { ViolationLog, type Checker, type InvariantResult, type Observation } from './types.js';

/** Rows of one table that count: those `where` accepts, each standing for the key `keyOf` gives (default: its table key). */
export interface RowSet<R = any> {
  readonly store: string;
  readonly table: string;
  where?(row: R): boolean;
  keyOf?(row: R, tableKey: Key): string;
  /** What one row is, for messages ("disbursement", "document"); default the table's name. */
  readonly noun?: string;
}

/**
 * The row under key `k`, a key as the checkers compare them (a string): a table keyed by
 * numbers holds the row of "7" under 7, and must not be read as missing it.
 */
function rowAt(rows: ReadonlyMap<Key, unknown>, k: string): unknown {
  const row = rows.get(k);
  if (row !== undefined) return row;
  const n = Number(k);
  return Number.isSafeInteger(n) && String(n) === k ? rows.get(n) : undefined;
}

/** "documents" stays "documents"; "invoice" becomes "invoices". */
const plural = (noun: string) => (noun.endsWith('s') ? noun : `${noun}s`);

const where = (s: RowSet) => s.where ?? (() => true);
const keyOf = (s: RowSet) => s.keyOf ?? ((_r: unknown, k: Key) => String(k));
const noun = (s: RowSet) => s.noun ?? s.table;

/**
 * At most one effect per key. Seen as rows commit: an effect row deleted or overwritten
 * (an effect cannot be undone), written again (with `effectPerWrite`: each committed write
 * of an effect row is one act, as a ledger entry is), or stored under another key than
 * its own (tallied, and counted against the row under its own key after the drain).
 */
export function atMostOnce(o: { name: string; description?: string; effects: RowSet; effectPerWrite?: boolean }): Checker & { readonly effects: number } {
  const isEffect = where(o.effects);
  const keyFor = keyOf(o.effects);
  const log = new ViolationLog(o.name, o.description ?? `at most one ${noun(o.effects)} per key`);
  const elsewhere = new Map<string, number>();
  let effects = 0;
  return {
    name: o.name,
    description: log.description,
    stores: [o.effects.store],
    get effects() {
      return effects;
    },
    onCommit(store: string, writes: readonly WriteRecord[]) {
      if (store !== o.effects.store) return;
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i];
        if (w.table !== o.effects.table) continue;
        const was = w.prev !== undefined && isEffect(w.prev);
        if (w.next === undefined) {
          if (was) log.add(keyFor(w.prev, w.key), `a ${noun(o.effects)} was deleted (an effect cannot be undone)`);
          continue;
        }
        if (!isEffect(w.next)) {
          if (was) log.add(keyFor(w.prev, w.key), `a ${noun(o.effects)} was overwritten with a row that is not one`);
          continue;
        }
        const k = keyFor(w.next, w.key);
        if (was) {
          if (o.effectPerWrite === true) {
            effects++;
            log.add(k, `${noun(o.effects)} written again: done a second time`);
          }
          continue;
        }
        effects++;
        if (k !== String(w.key)) elsewhere.set(k, (elsewhere.get(k) ?? 0) + 1);
      }
    },
    check(obs: Observation): InvariantResult {
      if (elsewhere.size > 0) {
        const rows = obs.table(o.effects.store, o.effects.table);
        for (const [k, n] of elsewhere) {
          const own = rowAt(rows, k);
          const total = n + (own !== undefined && isEffect(own) && keyFor(own, k) === k ? 1 : 0);
          if (total > 1) log.add(k, `${total} ${plural(noun(o.effects))} for one key`);
        }
      }
      return log.result();
    },
  };
}

/** Exactly one effect per entity in a state (one invoice per paid order), and none for any other. */
export function exactlyOnePer(o: { name: string; description?: string; effects: RowSet; per: RowSet }): Checker {
  const description = o.description ?? `exactly one ${noun(o.effects)} per ${noun(o.per)}, and none for anything else`;
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const effects = obs.table(o.effects.store, o.effects.table);
      const entities = obs.table(o.per.store, o.per.table);
      const isEffect = where(o.effects);
      const inState = where(o.per);
      const effectKey = keyOf(o.effects);
      const entityKey = keyOf(o.per);
      let wanted = 0;
      for (const [k, row] of entities) if (inState(row)) wanted++;
      let own = 0;
      const elsewhere = new Map<string, number>();
      for (const [tk, row] of effects) {
        if (!isEffect(row)) continue;
        const k = effectKey(row, tk);
        const entity = rowAt(entities, k);
        if (entity === undefined || !inState(entity) || entityKey(entity, k) !== k) {
          log.add(k, `a ${noun(o.effects)} for something that is not a ${noun(o.per)}`);
          continue;
        }
        if (k === String(tk)) own++;
        else elsewhere.set(k, (elsewhere.get(k) ?? 0) + 1);
      }
      // Each effect under its own key maps to a distinct entity in the state: equal counts make them one each.
      if (log.count > 0 || elsewhere.size > 0 || own !== wanted) {
        const countOf = (k: string) => {
          const e = rowAt(effects, k);
          return (e !== undefined && isEffect(e) && effectKey(e, k) === k ? 1 : 0) + (elsewhere.get(k) ?? 0);
        };
        for (const [tk, row] of entities) {
          if (!inState(row)) continue;
          const k = entityKey(row, tk);
          const n = countOf(k);
          if (n !== 1) log.add(k, `${noun(o.per)} with ${n} ${plural(noun(o.effects))}`);
        }
      }
      return log.result();
    },
  };
}

/** Two effect sets are the same set of keys (`subset`: every key of `a` is in `b`). */
export function sameSets(o: { name: string; description?: string; a: RowSet; b: RowSet; subset?: boolean }): Checker {
  const description = o.description ?? (o.subset ? `every ${noun(o.a)} has a ${noun(o.b)}` : `${plural(noun(o.a))} and ${plural(noun(o.b))} are the same set`);
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const side = (s: RowSet) => {
        const rows = obs.table(s.store, s.table);
        const accept = where(s);
        const key = keyOf(s);
        /** Rows under another key than their own, by the key they stand for. */
        const foreign = new Set<string>();
        let n = 0;
        for (const [tk, row] of rows) {
          if (!accept(row)) continue;
          n++;
          const k = key(row, tk);
          if (k !== String(tk)) foreign.add(k);
        }
        const has = (k: string) => {
          const row = rowAt(rows, k);
          return (row !== undefined && accept(row) && key(row, k) === k) || foreign.has(k);
        };
        return { rows, accept, key, n, has, foreign };
      };
      const a = side(o.a);
      const b = side(o.b);
      let matched = 0;
      for (const [tk, row] of a.rows) {
        if (!a.accept(row)) continue;
        const k = a.key(row, tk);
        if (b.has(k)) matched++;
        else log.add(k, `a ${noun(o.a)} with no ${noun(o.b)}`);
      }
      if (o.subset !== true && (log.count > 0 || a.foreign.size > 0 || b.foreign.size > 0 || matched !== b.n)) {
        for (const [tk, row] of b.rows) {
          if (!b.accept(row)) continue;
          const k = b.key(row, tk);
          if (!a.has(k)) log.add(k, `a ${noun(o.b)} with no ${noun(o.a)}`);
        }
      }
      return log.result();
    },
  };
}

/**
 * Fenced writes: every row written under a lock carries a token the lock service granted,
 * and per lock the tokens written never go down (a lower one after a higher one means two
 * holders wrote). Reads the kit lease lock's grants (its `locks` table) as they commit.
 */
export function fencedWrites(o: {
  name: string; description?: string; writes: RowSet; lockOf(row: any): string; tokenOf(row: any): number; lockService: string;
}): Checker {
  const log = new ViolationLog(o.name, o.description ?? `no two lock holders write under the same lock (a ${noun(o.writes)} never follows a newer holder's)`);
  const granted = new Map<string, Set<number>>();
  const highest = new Map<string, number>();
  const isWrite = where(o.writes);
  const key = keyOf(o.writes);
  return {
    name: o.name,
    description: log.description,
    stores: [o.lockService, o.writes.store],
    onCommit(store, writes) {
      if (store === o.lockService) {
        for (const w of writes) {
          if (w.table !== 'locks' || w.next === undefined) continue;
          const token = (w.next as { token: number }).token;
          if (w.prev !== undefined && (w.prev as { token: number }).token === token) continue; // a release
          let s = granted.get(String(w.key));
          if (s === undefined) granted.set(String(w.key), (s = new Set()));
          s.add(token);
        }
        return;
      }
      if (store !== o.writes.store) return;
      for (const w of writes) {
        if (w.table !== o.writes.table || w.next === undefined || !isWrite(w.next)) continue;
        const lock = o.lockOf(w.next);
        const token = o.tokenOf(w.next);
        const k = key(w.next, w.key);
        if (granted.get(lock)?.has(token) !== true) {
          log.add(k, `${noun(o.writes)} written under ${lock} with token ${token}, which the lock service never granted`);
          continue;
        }
        const max = highest.get(lock) ?? -1;
        if (token < max) log.add(k, `${noun(o.writes)} written under ${lock} with token ${token} after a write with token ${max}: two holders wrote`);
        else highest.set(lock, token);
      }
    },
    check: () => log.result(),
  };
}
