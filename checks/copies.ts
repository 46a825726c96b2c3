// Copies of one thing kept in several stores (a dual write to MySQL, MongoDB and Spanner; a
// cache and its database; replicas a service writes itself): after the faults heal, every
// store holds the thing once, with the same value, or no store holds it and its write was
// compensated. Read from what the stores committed, never from what the writer says.
//
// What a caller was told succeeded is a promise too: it must be held by every store, or
// compensated (undone on purpose and recorded so: a dead letter, a compensation event),
// never simply lost.
import type { Key } from '../runtime/contract.js';
import { ViolationLog, type Checker, type Observation } from './types.js';

export interface CopyPlace {
  readonly store: string;
  readonly table: string;
}

export interface CopiesAgreeOptions<R> {
  /** Default 'copies-agree'. */
  readonly name?: string;
  /** Where the copies live; at least two. */
  readonly copies: readonly CopyPlace[];
  /** The thing a row is a copy of (default: the row's key): rows keyed otherwise (by call id) are grouped by it, so a thing written twice to one store shows. */
  readonly idOf?: (row: R, key: Key) => string;
  /** What must be equal in every copy (default: nothing but presence; a row's own commit time differs from store to store). */
  readonly valueOf?: (row: R) => unknown;
  /**
   * Where compensations are recorded: a topic kept whole (`retainAll`) and the thing each
   * record undoes. A compensated thing must be held by no store.
   */
  readonly compensations?: { readonly topic: string; readonly idOf: (value: unknown, key: Key | null) => string };
  /**
   * Also judge what the load generator's callers were told: each request answered as created
   * must be held by every store or compensated. `idOfRequest` maps a request's key to the
   * thing's id (default: the same string).
   */
  readonly acknowledged?: boolean | { readonly idOfRequest: (requestKey: string) => string };
}

const stable = (v: unknown): string => JSON.stringify(v, (_k, x) => (x instanceof Map ? [...x] : x));

export function copiesAgree<R = unknown>(options: CopiesAgreeOptions<R>): Checker {
  if (options.copies.length < 2) throw new Error('copiesAgree needs at least two copies to compare');
  const name = options.name ?? 'copies-agree';
  const description = `after the faults heal, every store (${options.copies.map((c) => c.store).join(', ')}) holds each thing once and the same, or none does and it was compensated; nothing acknowledged is lost`;
  const label = (c: CopyPlace) => (options.copies.filter((x) => x.store === c.store).length > 1 ? `${c.store}.${c.table}` : c.store);
  return {
    name,
    description,
    check(o: Observation) {
      const log = new ViolationLog(name, description);
      // By thing: each copy's rows of it.
      const held = new Map<string, R[][]>();
      options.copies.forEach((c, i) => {
        for (const [key, row] of o.table<R>(c.store, c.table)) {
          const id = options.idOf ? options.idOf(row, key) : String(key);
          let perCopy = held.get(id);
          if (perCopy === undefined) held.set(id, (perCopy = options.copies.map(() => [])));
          perCopy[i].push(row);
        }
      });
      const compensated = new Set<string>();
      if (options.compensations !== undefined) {
        for (const r of o.records(options.compensations.topic)) compensated.add(options.compensations.idOf(r.value, r.key));
      }
      for (const [id, perCopy] of held) {
        const holders = options.copies.filter((_c, i) => perCopy[i].length > 0).map(label);
        const missing = options.copies.filter((_c, i) => perCopy[i].length === 0).map(label);
        const twice = options.copies.filter((_c, i) => perCopy[i].length > 1).map((c) => `${label(c)} (${perCopy[options.copies.indexOf(c)].length} rows)`);
        if (compensated.has(id)) log.add(id, `compensated, yet still held by ${holders.join(', ')}`);
        else if (missing.length > 0) log.add(id, `held by ${holders.join(', ')} but missing from ${missing.join(', ')}, and never compensated`);
        else if (twice.length > 0) log.add(id, `written more than once to ${twice.join(', ')}`);
        else if (options.valueOf !== undefined) {
          const values = perCopy.map((rows) => stable(options.valueOf!(rows[0])));
          const odd = options.copies.filter((_c, i) => values[i] !== values[0]).map(label);
          if (odd.length > 0) log.add(id, `${odd.join(', ')} hold a different value than ${label(options.copies[0])}: ${values[0]} vs ${values.find((v) => v !== values[0])}`);
        }
      }
      if (options.acknowledged && o.load !== undefined) {
        const idOfRequest = typeof options.acknowledged === 'object' ? options.acknowledged.idOfRequest : (k: string) => k;
        // A caller that retried under a fresh key may have reached the stores only under that key:
        // things are matched to requests by their logical key (a key's own, when it was no retry's).
        const load = o.load;
        const accounted = new Set<string>();
        for (const id of [...held.keys(), ...compensated]) accounted.add(load.logicalKeyOf(id));
        for (let n = 1; n <= load.planned; n++) {
          if (!load.created(n)) continue;
          const id = idOfRequest(load.keyOf(n));
          if (!accounted.has(load.logicalKeyOf(id))) log.add(id, 'its caller was told it succeeded, yet no store holds it and it was never compensated');
        }
      }
      return log.result();
    },
  };
}
