// Rate limiters as values on the actor's clock (no timers of their own), for a caller that
// must not exceed a downstream limit or a service that sheds what exceeds its own. Two
// kinds: a token bucket (resilience4j's RateLimiter: `limitForPeriod` permits refreshed
// every `limitRefreshPeriodMs`, here refilled continuously up to a burst) and a sliding
// window (at most `maxCalls` in any `windowMs`). Shared between instances: keep one in an
// actor that grants permits by message.
import { z } from 'zod';

export const tokenBucketSchema = z.strictObject({
  limitForPeriod: z.number().positive(),
  limitRefreshPeriodMs: z.number().positive(),
  /** Permits that may be taken at once (default: limitForPeriod). */
  burst: z.number().positive().optional(),
});
export const slidingWindowSchema = z.strictObject({
  maxCalls: z.number().int().min(1),
  windowMs: z.number().positive(),
});

export interface RateLimiter {
  /** Takes a permit now if there is one. */
  tryAcquire(nowMs: number): boolean;
  /** How long until a permit is free (0: now). */
  waitMs(nowMs: number): number;
}

export class TokenBucket implements RateLimiter {
  private readonly perMs: number;
  private readonly burst: number;
  private tokens: number;
  private at = -Infinity;

  constructor(options: z.input<typeof tokenBucketSchema>) {
    const o = tokenBucketSchema.parse(options);
    this.perMs = o.limitForPeriod / o.limitRefreshPeriodMs;
    this.burst = o.burst ?? o.limitForPeriod;
    this.tokens = this.burst;
  }

  private refill(nowMs: number): void {
    if (this.at !== -Infinity && nowMs > this.at) this.tokens = Math.min(this.burst, this.tokens + (nowMs - this.at) * this.perMs);
    this.at = Math.max(this.at, nowMs);
  }

  tryAcquire(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.perMs;
  }
}

export class SlidingWindowLimiter implements RateLimiter {
  private readonly o: z.output<typeof slidingWindowSchema>;
  /** Times of the calls permitted in the last window, oldest first. */
  private readonly times: number[] = [];

  constructor(options: z.input<typeof slidingWindowSchema>) {
    this.o = slidingWindowSchema.parse(options);
  }

  private slide(nowMs: number): void {
    while (this.times.length > 0 && this.times[0] <= nowMs - this.o.windowMs) this.times.shift();
  }

  tryAcquire(nowMs: number): boolean {
    this.slide(nowMs);
    if (this.times.length >= this.o.maxCalls) return false;
    this.times.push(nowMs);
    return true;
  }

  waitMs(nowMs: number): number {
    this.slide(nowMs);
    return this.times.length < this.o.maxCalls ? 0 : this.times[0] + this.o.windowMs - nowMs;
  }
}
