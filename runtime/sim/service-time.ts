// Service-time models: how long one worker of an actor is busy with one message.
// Together with per-actor worker counts they give every stage a capacity, so queueing
// and saturation emerge instead of being assumed.
import type { Prng } from './prng.js';

/** Milliseconds of work for `msg`; a number is a constant. */
export type ServiceTime = number | ((msg: unknown, rng: Prng) => number);

/** Exponentially distributed with the given mean. */
export function exponentialMs(meanMs: number): ServiceTime {
  return (_msg, rng) => rng.exp(meanMs);
}

/**
 * A fixed cost per message plus a cost per item it carries (records of a fetch
 * batch, items of a batch message), with exponential jitter on the fixed part.
 */
export function perItemMs(baseMeanMs: number, perItem: number, itemsOf: (msg: unknown) => number): ServiceTime {
  return (msg, rng) => rng.exp(baseMeanMs) + perItem * itemsOf(msg);
}

/** Items carried by a runtime records message, or by a message with an `items` array. */
export function itemCount(msg: unknown): number {
  const m = msg as { records?: unknown[]; items?: unknown[] };
  if (m.records !== undefined) return m.records.length;
  if (m.items !== undefined) return m.items.length;
  return 1;
}

/**
 * At least `minMs`, with mean `meanMs`: a floor (the work itself) plus an exponential tail
 * (contention, disk). A database query is rarely faster than its plan allows, and a plain
 * exponential puts its median at 0.69 of its mean.
 */
export function shiftedExponentialMs(minMs: number, meanMs: number): ServiceTime {
  if (!(minMs >= 0 && meanMs >= minMs)) throw new Error(`shiftedExponentialMs: need 0 <= minMs <= meanMs (got ${minMs}, ${meanMs})`);
  return (_msg, rng) => minMs + (meanMs > minMs ? rng.exp(meanMs - minMs) : 0);
}
