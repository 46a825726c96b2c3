import { describe, expect, it } from 'vitest';
import { retryDecision, type RetryPolicy } from '../actors/retries.js';
import { SlidingWindowLimiter, TokenBucket } from '../actors/rate-limiter.js';
import { Bulkhead } from '../actors/bulkhead.js';

// The kit's resilience policies as values on a clock the test moves: each rule, and each
// way it refuses (negative controls).

describe('retry decisions', () => {
  const p: RetryPolicy = { maxAttempts: 3, delayMs: 100, backoff: 'exponential', jitter: 'none' };
  const half = () => 0.5;
  it('retries timeouts, unavailability and 5xx after the back-off, until the attempts are spent', () => {
    expect(retryDecision(p, 1, { kind: 'timeout', idempotent: true }, half)).toEqual({ retry: true, delayMs: 100 });
    expect(retryDecision(p, 2, { kind: 'status', status: 503, idempotent: true }, half)).toEqual({ retry: true, delayMs: 200 });
    expect(retryDecision(p, 3, { kind: 'unavailable', idempotent: true }, half)).toEqual({ retry: false, why: '3 attempts spent' });
  });
  it('never retries a call that is not idempotent (the double debit), nor a 429 without Retry-After, nor a client error', () => {
    expect(retryDecision(p, 1, { kind: 'timeout', idempotent: false }, half)).toMatchObject({ retry: false, why: expect.stringMatching(/not idempotent/) });
    expect(retryDecision(p, 1, { kind: 'status', status: 429, idempotent: true }, half)).toEqual({ retry: false, why: '429 without Retry-After' });
    expect(retryDecision(p, 1, { kind: 'status', status: 400, idempotent: true }, half)).toEqual({ retry: false, why: 'client error 400' });
    expect(retryDecision(p, 1, { kind: 'status', status: 408, idempotent: true }, half)).toEqual({ retry: true, delayMs: 100 });
  });
  it('honours Retry-After: no sooner than it says, and no sooner than the back-off', () => {
    expect(retryDecision(p, 1, { kind: 'status', status: 429, retryAfterMs: 2_000, idempotent: true }, half)).toEqual({ retry: true, delayMs: 2_000 });
    expect(retryDecision(p, 2, { kind: 'status', status: 429, retryAfterMs: 50, idempotent: true }, half)).toEqual({ retry: true, delayMs: 200 });
  });
  it('draws jitter from the random stream it is given', () => {
    expect(retryDecision({ ...p, jitter: 'full' }, 2, { kind: 'timeout', idempotent: true }, () => 0.25)).toEqual({ retry: true, delayMs: 50 });
    expect(retryDecision({ ...p, jitter: 'equal' }, 2, { kind: 'timeout', idempotent: true }, () => 0.5)).toEqual({ retry: true, delayMs: 150 });
  });
});

describe('rate limiters', () => {
  it('a token bucket: a burst, then permits at the refill rate', () => {
    const b = new TokenBucket({ limitForPeriod: 10, limitRefreshPeriodMs: 1_000 });
    let granted = 0;
    for (let i = 0; i < 15; i++) if (b.tryAcquire(0)) granted++;
    expect(granted).toBe(10);
    expect(b.waitMs(0)).toBe(100);
    expect(b.tryAcquire(99)).toBe(false);
    expect(b.tryAcquire(100)).toBe(true);
    // Over a minute at most the burst plus the refill: 10 + 600.
    let minute = 0;
    for (let t = 100; t < 60_100; t += 10) if (b.tryAcquire(t)) minute++;
    expect(minute).toBeLessThanOrEqual(600);
    expect(minute).toBeGreaterThan(590);
  });
  it('a sliding window: never more than maxCalls in any window', () => {
    const w = new SlidingWindowLimiter({ maxCalls: 50, windowMs: 60_000 });
    const times: number[] = [];
    for (let t = 0; t < 300_000; t += 137) if (w.tryAcquire(t)) times.push(t);
    for (let i = 50; i < times.length; i++) expect(times[i] - times[i - 50]).toBeGreaterThanOrEqual(60_000);
    expect(times.length).toBe(250);
    expect(w.waitMs(times[times.length - 1])).toBeGreaterThan(0);
  });
  it('refuse settings that are no limit', () => {
    expect(() => new TokenBucket({ limitForPeriod: 0, limitRefreshPeriodMs: 1_000 })).toThrow();
    expect(() => new SlidingWindowLimiter({ maxCalls: 0, windowMs: 1_000 })).toThrow();
  });
});

describe('bulkhead', () => {
  it('admits up to its limit, queues up to its queue, refuses the rest; an exit lets the next waiting call in', () => {
    const b = new Bulkhead({ maxConcurrentCalls: 2, maxQueue: 1, maxWaitDurationMs: 500 });
    expect(['a', 'b', 'c', 'd'].map((id) => b.enter(id, 0))).toEqual(['admitted', 'admitted', 'queued', 'rejected']);
    expect(b.exit(100)).toEqual({ admitted: 'c', expired: [] });
    expect([b.active, b.waiting]).toEqual([2, 0]);
  });
  it('a call that waited past its wait is handed back, not let in', () => {
    const b = new Bulkhead({ maxConcurrentCalls: 1, maxQueue: 2, maxWaitDurationMs: 500 });
    b.enter('a', 0);
    b.enter('b', 0);
    b.enter('c', 400);
    expect(b.exit(600)).toEqual({ admitted: 'c', expired: ['b'] });
    expect(b.expired(2_000)).toEqual([]);
  });
  it('without a queue, a call over the limit is refused at once', () => {
    const b = new Bulkhead({ maxConcurrentCalls: 1 });
    expect([b.enter('a', 0), b.enter('b', 0)]).toEqual(['admitted', 'rejected']);
    expect(b.exit(5)).toEqual({ admitted: undefined, expired: [] });
    expect(b.enter('c', 6)).toBe('admitted');
  });
});

describe('a shared limiter service', () => {
  it('grants at most the limit to all its callers together, and tells the refused when to ask again', async () => {
    const { limiterService } = await import('../actors/limiter-service.js');
    const b = limiterService({ kind: 'sliding-window', maxCalls: 50, windowMs: 60_000 });
    let now = 0;
    const sent: { to: unknown; msg: { granted: boolean; retryAfterMs: number } }[] = [];
    const ctx = { now: () => now, send: (to: unknown, msg: never) => void sent.push({ to, msg }), count: () => {} } as never;
    let state = b.init(ctx);
    // Three callers, one request each every 100 ms for two minutes: 3,600 asks.
    for (now = 0; now < 120_000; now += 100) for (const caller of [1, 2, 3]) state = b.receive(state, { type: 'permit-request', id: `${caller}@${now}`, replyTo: caller }, ctx);
    const granted = sent.filter((s) => s.msg.granted);
    expect(granted.length).toBe(100);
    expect(new Set(granted.map((s) => s.to))).toEqual(new Set([1, 2, 3]));
    expect(sent.filter((s) => !s.msg.granted).every((s) => s.msg.retryAfterMs > 0)).toBe(true);
    expect(() => limiterService({ kind: 'token-bucket', limitForPeriod: 0, limitRefreshPeriodMs: 1 })).toThrow();
  });
});
