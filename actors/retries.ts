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

/** How a call failed, as a caller sees it. */
export interface CallFailure {
  /** 'timeout': no answer in time (the call may have happened); 'status': an answer with a status code. */
  readonly kind: 'timeout' | 'unavailable' | 'status';
  readonly status?: number;
  /** A 429's or 503's Retry-After, in ms. */
  readonly retryAfterMs?: number;
  /** Whether doing the call twice is harmless: a read, or a write sent under an idempotency key. */
  readonly idempotent: boolean;
}

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly why: string };

/**
 * Whether and when to retry after `attempt` attempts failed as `failure` says. The rules
 * the seeds' incidents teach: never a call that is not idempotent (a retry after a lost
 * answer is a second debit); never a 429 without Retry-After (retries feed the limit they
 * hit), and with one, no sooner than it says; never another client error (4xx but 408);
 * timeouts, unavailability and 5xx after the policy's back-off.
 */
export function retryDecision(p: RetryPolicy, attempt: number, failure: CallFailure, random: () => number): RetryDecision {
  if (!mayRetry(p, attempt)) return { retry: false, why: `${attempt} attempts spent` };
  if (!failure.idempotent) return { retry: false, why: 'the call is not idempotent: a retry could do it twice' };
  const backoff = retryDelayMs(p, attempt + 1, random);
  if (failure.kind === 'status') {
    const s = failure.status ?? 0;
    if (s === 429) return failure.retryAfterMs === undefined ? { retry: false, why: '429 without Retry-After' } : { retry: true, delayMs: Math.max(failure.retryAfterMs, backoff) };
    if (s >= 400 && s < 500 && s !== 408) return { retry: false, why: `client error ${s}` };
    if (s < 400) return { retry: false, why: `status ${s} is not a failure` };
  }
  return { retry: true, delayMs: Math.max(failure.retryAfterMs ?? 0, backoff) };
}

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
