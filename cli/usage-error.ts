// Bad input from the user (flags, scenario, parameters, fault plan): reported as one
// paragraph, no stack trace, exit code 2.
import { InputError } from '../runtime/input-error.js';

export class UsageError extends InputError {}

export const EXIT = { ok: 0, invariantFailed: 1, usage: 2, threshold: 3, internal: 4 } as const;

/** Errors that are the user's to fix: any InputError (whichever copy of the class threw it), and yargs' own usage errors. */
export function isUsageError(err: unknown): boolean {
  return err instanceof InputError || (typeof err === 'object' && err !== null && (err as { usage?: unknown }).usage === true);
}
