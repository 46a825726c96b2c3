// Strict parsing of numeric flags: yargs would turn "12abc" into NaN or 12 silently.
import { UsageError } from './usage-error.js';

export function parseNumberFlag(name: string, raw: unknown, opts: { integer?: boolean; min?: number; positive?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim().replace(/_/g, '');
  const value = Number(text);
  const kind = opts.integer ? 'a whole number' : 'a number';
  if (text === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be ${kind}, got "${String(raw)}".`);
  if (opts.integer && !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be ${kind}, got "${String(raw)}".`);
  if (opts.positive && value <= 0) throw new UsageError(`--${name} must be greater than 0, got ${value}.`);
  if (opts.min !== undefined && value < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${value}.`);
  return value;
}
