// Entities and their lifecycle, declared as data: where an entity's rows live, its status
// field, its legal transitions and which states end it. From that one declaration come
// three invariants (legal transitions as they commit; every entity ended after the drain;
// one entity per request), the outcome counts every report shows, and the completion
// count the timeline and capacity read.
import type { Key, LoadView } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';
import { ViolationLog, type Checker, type Observation } from './types.js';

export interface EntityDecl {
  /** Singular noun: "order". */
  readonly name: string;
  /** Plural, for units ("orders/s"); default name + "s". */
  readonly plural?: string;
  readonly store: string;
  readonly table: string;
  /** The row field holding the status. */
  readonly status: string;
  /** States a new row may have. */
  readonly initial: readonly string[];
  /** Legal moves: from a state to the states it may go to (staying put is always legal). */
  readonly transitions: Readonly<Record<string, readonly string[]>>;
  /** States that end an entity, and whether ending there means it was served or shed (dead-lettered, refused for load). */
  readonly terminal: Readonly<Record<string, 'served' | 'shed'>>;
  /** Terminal states whose rows must say why (in `field`). */
  readonly reason?: { readonly field: string; readonly in: readonly string[] };
  /** An entity in one of these states must be on this dead-letter topic (matched by `keyOf` of the record's value, default the record's key). */
  readonly deadLetter?: { readonly topic: string; readonly in: readonly string[]; keyOf?(value: unknown, recordKey: string): string };
  /** The row field holding the idempotency key of the request that made it: one entity per request, and every request answered as created has one. */
  readonly requestKey?: string;
  /** Invariant names; defaults `<name>-lifecycle`, `no-lost-<name>`, `one-<name>-per-request`. */
  readonly names?: { readonly lifecycle?: string; readonly settled?: string; readonly onePerRequest?: string };
}

/** An English plural for a name (status -> statuses, delivery -> deliveries); an entity's `plural` overrides it. */
export function pluralNoun(noun: string): string {
  if (/(s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

export const pluralOf = (e: { name: string; plural?: string }) => e.plural ?? pluralNoun(e.name);

/** Watches one entity's table commit by commit: counts what ended, and how, and flags illegal moves. */
export class EntityWatch {
  /** Entities that reached a terminal state (for throughput), and of those the ones shed. */
  completed = 0;
  shed = 0;
  /** Entities that exist and have not ended: the drain waits for none. */
  open = 0;
  /** Commits to the entity's store seen, and the last answer of createdWithoutRow with what it was computed from. */
  private commits = 0;
  private owed: { readonly rows: ReadonlyMap<Key, unknown>; readonly stamp: string; readonly keys: string[] } | undefined;
  readonly lifecycle: ViolationLog;
  private readonly terminal: ReadonlyMap<string, 'served' | 'shed'>;
  private readonly initial: ReadonlySet<string>;
  private readonly allowed: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly settled: { readonly name: string; readonly description: string };
  private readonly onePerRequest: { readonly name: string; readonly description: string };

  constructor(readonly decl: EntityDecl) {
    const e = decl;
    this.settled = {
      name: e.names?.settled ?? `no-lost-${e.name}`,
      description: `after the drain every ${e.name} has ended (${list(Object.keys(e.terminal))})${e.reason ? `, ${list(e.reason.in)} with a reason` : ''}${e.requestKey ? `, and every request answered as created has its ${e.name}` : ''}`,
    };
    this.onePerRequest = {
      name: e.names?.onePerRequest ?? `one-${e.name}-per-request`,
      description: `a request (however often retried under its idempotency key) makes one ${e.name}`,
    };
    this.lifecycle = new ViolationLog(e.names?.lifecycle ?? `${e.name}-lifecycle`,
      `${article(e.name)} ${e.name} is created ${list(e.initial)} and only moves along its declared transitions`);
    this.terminal = new Map(Object.entries(e.terminal));
    this.initial = new Set(e.initial);
    this.allowed = new Map(Object.entries(e.transitions).map(([from, to]) => [from, new Set(to)]));
  }

  statusOf(row: unknown): string {
    return String((row as Record<string, unknown>)[this.decl.status]);
  }

  onCommit(store: string, writes: readonly WriteRecord[]): void {
    if (store !== this.decl.store) return;
    this.commits++;
    const table = this.decl.table;
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      if (w.table !== table) continue;
      // One lookup per status: this runs on every write of the entity's table.
      const prev = w.prev === undefined ? undefined : this.statusOf(w.prev);
      const prevEnded = prev !== undefined && this.terminal.has(prev);
      if (prev !== undefined && !prevEnded) this.open--;
      if (w.next === undefined) continue;
      const next = this.statusOf(w.next);
      const how = this.terminal.get(next);
      if (how === undefined) this.open++;
      if (prev === undefined) {
        if (!this.initial.has(next)) this.lifecycle.add(String(w.key), `created as ${next}`);
      } else {
        if (prev === next) continue;
        if (this.allowed.get(prev)?.has(next) !== true) this.lifecycle.add(String(w.key), `moved ${prev} -> ${next}, which is not a declared transition`);
      }
      // Ended now, and not before.
      if (how !== undefined && !prevEnded) {
        this.completed++;
        if (how === 'shed') this.shed++;
      }
    }
  }

  /** Rows by status, after the drain. */
  countByStatus(o: Observation): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of [...this.decl.initial, ...Object.keys(this.decl.transitions), ...Object.keys(this.decl.terminal)]) counts[s] = 0;
    for (const row of o.table(this.decl.store, this.decl.table).values()) {
      const s = this.statusOf(row);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    return counts;
  }

  /** The three invariants of the declaration. */
  checkers(): Checker[] {
    const e = this.decl;
    const out: Checker[] = [
      { name: this.lifecycle.invariant, description: this.lifecycle.description, check: () => this.lifecycle.result() },
      { ...this.settled, check: (o) => this.checkSettled(o) },
    ];
    if (e.requestKey !== undefined) out.push({ ...this.onePerRequest, check: (o) => this.checkOnePerRequest(o) });
    return out;
  }

  private checkSettled(o: Observation): ReturnType<Checker['check']> {
    const e = this.decl;
    const v = new ViolationLog(this.settled.name, this.settled.description);
    const rows = o.table(e.store, e.table);
    const needsReason = new Set(e.reason?.in ?? []);
    let dead: Set<string> | undefined;
    if (e.deadLetter !== undefined) {
      dead = new Set();
      const keyOf = e.deadLetter.keyOf ?? ((_v: unknown, k: string) => k);
      for (const r of o.records(e.deadLetter.topic)) dead.add(keyOf(r.value, r.key));
    }
    const deadIn = new Set(e.deadLetter?.in ?? []);
    for (const [key, row] of rows) {
      const s = this.statusOf(row);
      if (!this.terminal.has(s)) {
        v.add(String(key), `still ${s} after the drain`);
        continue;
      }
      if (needsReason.has(s)) {
        const why = (row as Record<string, unknown>)[e.reason!.field];
        if (why === undefined || why === null || why === '') v.add(String(key), `${s} without a reason`);
      }
      if (dead !== undefined && deadIn.has(s) && !dead.has(String(key))) v.add(String(key), `${s} but not on the dead-letter topic ${e.deadLetter!.topic}`);
    }
    if (o.load !== undefined) {
      for (const key of this.createdWithoutRow(rows, o.load)) v.add(key, `the caller was told it was created, but there is no ${e.name} for its key`);
    }
    return v.result();
  }

  /**
   * The requests the caller was told were created that have no row yet (with a requestKey):
   * a lost one at the end, and until then work the pipeline still owes (the drain waits for it).
   */
  createdWithoutRow(rows: ReadonlyMap<Key, unknown>, load: LoadView): string[] {
    const e = this.decl;
    if (e.requestKey === undefined) return [];
    // The drain asks when it would settle and the verdict right after, with nothing changed
    // between: one walk of a million rows, not two.
    const stamp = `${this.commits}/${rows.size}/${load.offered}/${load.outstanding}/${load.gaveUp}/${Object.values(load.answers).join(',')}`;
    if (this.owed !== undefined && this.owed.rows === rows && this.owed.stamp === stamp) return this.owed.keys;
    const keys = this.walkCreatedWithoutRow(rows, load, e.requestKey);
    this.owed = { rows, stamp, keys };
    return keys;
  }

  private walkCreatedWithoutRow(rows: ReadonlyMap<Key, unknown>, load: LoadView, requestKey: string): string[] {
    // Mark requests by walking the rows once.
    const has = new Uint8Array(load.planned + 1);
    for (const row of rows.values()) {
      const n = load.numberOf(load.logicalKeyOf(String((row as Record<string, unknown>)[requestKey])));
      if (n >= 1 && n <= load.planned) has[n] = 1;
    }
    const out: string[] = [];
    for (let n = 1; n <= load.planned; n++) if (load.created(n) && has[n] === 0) out.push(load.keyOf(n));
    return out;
  }

  private checkOnePerRequest(o: Observation): ReturnType<Checker['check']> {
    const e = this.decl;
    const v = new ViolationLog(this.onePerRequest.name, this.onePerRequest.description);
    const rows = o.table(e.store, e.table);
    const logicalOf = (k: string) => o.load?.logicalKeyOf(k) ?? k;
    // The common case, a row stored under its own request's key, is counted only if another shares its request.
    const others = new Map<string, number>();
    for (const [id, row] of rows) {
      const requestKey = String((row as Record<string, unknown>)[e.requestKey!]);
      const logical = logicalOf(requestKey);
      if (id === logical && requestKey === logical) continue;
      others.set(logical, (others.get(logical) ?? 0) + 1);
    }
    for (const [logical, n] of others) {
      const own = rows.get(logical as Key) as Record<string, unknown> | undefined;
      const total = n + (own !== undefined && own[e.requestKey!] === logical ? 1 : 0);
      if (total > 1) v.add(logical, `${total} ${pluralOf(e)} for one request`);
    }
    return v.result();
  }
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? 'an' : 'a');
const list = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);
