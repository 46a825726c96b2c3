import type { Key, KafkaRecord, LoadView } from '../runtime/contract.js';
import type { WriteRecord } from '../runtime/sim/store.js';

// What a checker returns: per invariant, whether it held, how often it was violated,
// and a few named examples (key, what went wrong, and that key's trace once collected).

export interface Violation {
  readonly invariant: string;
  readonly key: string;
  readonly message: string;
  trace?: string[];
}

export interface InvariantResult {
  readonly name: string;
  readonly description: string;
  readonly ok: boolean;
  readonly violations: number;
  readonly examples: Violation[];
}

const EXAMPLES_MAX = 5;

/** Collects the violations of one invariant: counts all, keeps the first few. */
export class ViolationLog {
  count = 0;
  readonly examples: Violation[] = [];

  constructor(readonly invariant: string, readonly description: string) {}

  add(key: string, message: string): void {
    this.count++;
    if (this.examples.length < EXAMPLES_MAX) this.examples.push({ invariant: this.invariant, key, message });
  }

  result(): InvariantResult {
    return { name: this.invariant, description: this.description, ok: this.count === 0, violations: this.count, examples: this.examples };
  }
}

/**
 * What the runtime observed of a run, the same in the simulator and live: the durable
 * state as the run left it, the topics kept whole, and what the load generator's callers
 * were told. Checkers read this, never what actors claim about themselves.
 */
export interface Observation {
  /** A table of a store after the drain (rows are values: never change them). */
  table<R = unknown>(store: string, table: string): ReadonlyMap<Key, R>;
  /** Every record of a topic declared `retainAll` (a dead-letter queue), in partition order. */
  records(topic: string): readonly KafkaRecord[];
  /** The load generator's account of its requests (undefined: the scenario has none). */
  readonly load: LoadView | undefined;
  counter(name: string): number;
}

/** One committed transaction: the writes of one message to one store, at a time in ms. */
export type CommitListener = (store: string, writes: readonly WriteRecord[], tMs: number) => void;

/**
 * An invariant as data. `onCommit` sees every committed transaction as the runtime performs
 * it (in the simulator, as it happens; live, replayed from the database's journal in
 * commit order), for what can only be seen as it happens (a row overwritten, a status
 * moving backwards); `check` gives the verdict after the drain. Checkers that share a
 * name report as one invariant.
 */
export interface Checker {
  readonly name: string;
  readonly description: string;
  onCommit?: CommitListener;
  /** The stores whose commits `onCommit` reads (default: every store's); it is called for no others. */
  readonly stores?: readonly string[];
  check(o: Observation): InvariantResult;
}

/** Folds results that share a name into one (ok only if all are; examples kept up to the cap). */
export function mergeByName(results: readonly InvariantResult[]): InvariantResult[] {
  const byName = new Map<string, InvariantResult>();
  for (const r of results) {
    const seen = byName.get(r.name);
    if (seen === undefined) {
      byName.set(r.name, { ...r, examples: [...r.examples] });
      continue;
    }
    byName.set(r.name, {
      name: r.name,
      description: seen.description.split('; ').includes(r.description) ? seen.description : `${seen.description}; ${r.description}`,
      ok: seen.ok && r.ok,
      violations: seen.violations + r.violations,
      examples: [...seen.examples, ...r.examples].slice(0, EXAMPLES_MAX),
    });
  }
  return [...byName.values()];
}
