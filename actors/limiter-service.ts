// A rate limit shared by every instance of a caller: one actor holds the limiter and
// grants permits by message (a shared token bucket in front of a downstream that allows
// so many calls a minute, say). A caller asks before each call and, refused, waits the
// `retryAfterMs` it is told. The limiter lives in the actor's memory: a restart starts it
// full, as a restarted limiter process would.
import type { Behaviour, RuntimeMessage } from '../runtime/contract.js';
import { SlidingWindowLimiter, TokenBucket, type RateLimiter } from './rate-limiter.js';

export type PermitRequest = { type: 'permit-request'; id: string; replyTo: number };
export type PermitAnswer = { type: 'permit'; id: string; granted: boolean; retryAfterMs: number };

export type SharedLimit =
  | { readonly kind: 'token-bucket'; readonly limitForPeriod: number; readonly limitRefreshPeriodMs: number; readonly burst?: number }
  | { readonly kind: 'sliding-window'; readonly maxCalls: number; readonly windowMs: number };

function limiterOf(l: SharedLimit): RateLimiter {
  return l.kind === 'token-bucket'
    ? new TokenBucket({ limitForPeriod: l.limitForPeriod, limitRefreshPeriodMs: l.limitRefreshPeriodMs, burst: l.burst })
    : new SlidingWindowLimiter({ maxCalls: l.maxCalls, windowMs: l.windowMs });
}

export function limiterService(limit: SharedLimit): Behaviour<RateLimiter, PermitRequest | RuntimeMessage> {
  // Built once here so a bad limit is refused when the scenario is defined, not at the first request.
  limiterOf(limit);
  return {
    init: () => limiterOf(limit),
    receive(limiter, m, ctx) {
      if (m.type !== 'permit-request') return limiter;
      const now = ctx.now();
      const granted = limiter.tryAcquire(now);
      if (!granted) ctx.count('limiter.refused');
      ctx.send(m.replyTo, { type: 'permit', id: m.id, granted, retryAfterMs: granted ? 0 : Math.max(1, Math.ceil(limiter.waitMs(now))) } satisfies PermitAnswer);
      return limiter;
    },
  };
}
