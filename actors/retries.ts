// Retry and dead-letter, as values: how long to wait before attempt n (fixed or
// exponential back-off, with or without jitter drawn from the actor's own random
// stream), and the dead letter a stage writes once the attempts are spent. Pure: a
// behaviour keeps its attempt counts and sets its own timers.
import type { Context } from '../runtime/contract.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Wait before the second attempt. */
  readonly delayMs: number;
  /** 'exponential' doubles the wait each attempt (default 'fixed'). */
  readonly backoff?: 'fixed' | 'exponential';
  /** Cap on one wait (default: none). */
  readonly maxDelayMs?: number;
  /** 'full': uniform in [0, wait]; 'equal': wait/2 + uniform in [0, wait/2]; default 'none'. */
  readonly jitter?: 'none' | 'full' | 'equal';
}

/** The wait before attempt `attempt` (2 = the first retry); `random` in [0, 1). */
export function retryDelayMs(p: RetryPolicy, attempt: number, random: () => number): number {
  const n = Math.max(0, attempt - 2);
  let wait = p.backoff === 'exponential' ? p.delayMs * 2 ** n : p.delayMs;
  if (p.maxDelayMs !== undefined) wait = Math.min(wait, p.maxDelayMs);
  switch (p.jitter ?? 'none') {
    case 'full': return random() * wait;
    case 'equal': return wait / 2 + random() * (wait / 2);
    default: return wait;
  }
}

/** Whether another attempt is allowed after `attempt` attempts. */
export const mayRetry = (p: RetryPolicy, attempt: number) => attempt < p.maxAttempts;

/** Publishes a dead letter: the value with the reason it failed (and how many attempts it had). */
export function deadLetter(ctx: Context, topic: string, key: string, value: unknown, reason: string, attempts?: number, ackToken?: unknown): void {
  const body = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { value };
  ctx.produce(topic, key, { ...body, reason, ...(attempts === undefined ? {} : { attempts }) }, ackToken);
}

/**
 * The idempotent consumer's processed-events mark: true the first time `eventId` is seen
 * by this store. The mark is written in the transaction of the message being handled, so
 * it commits together with what that message does, or not at all.
 */
export function firstDelivery(ctx: Context, table: string, eventId: string, row: unknown = { at: ctx.now() }): boolean {
  return ctx.store.insertIfAbsent(table, eventId, row);
}
