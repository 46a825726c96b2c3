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
