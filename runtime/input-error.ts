// Bad input: a scenario, a parameter, a fault plan, a threshold, a flag, an address. Every
// such error extends this class, and the command line reports any of them as one
// paragraph with exit code 2. Recognised by a brand, not by class identity: a scenario
// loaded from a .ts file through the TypeScript loader gets its own copy of the modules
// it imports, and of their classes.
const BRAND = Symbol.for('faultline.InputError');

export class InputError extends Error {
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](x: unknown): boolean {
    if (typeof x !== 'object' || x === null || (x as Record<symbol, unknown>)[BRAND] !== true) return false;
    // Subclasses keep their own identity (a FaultPlanError is not a ScenarioError).
    return this === InputError || Function.prototype[Symbol.hasInstance].call(this, x) || sameName(this, x);
  }
}

/** A subclass from another copy of its module: same class name along the prototype chain. */
function sameName(cls: { name: string }, x: object): boolean {
  for (let p = Object.getPrototypeOf(x); p !== null; p = Object.getPrototypeOf(p)) if (p.constructor?.name === cls.name) return true;
  return false;
}
