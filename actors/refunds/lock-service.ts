// A lease-based lock service with fencing tokens (one token counter for all locks,
// durable, so tokens only grow, across restarts too). A holder that does not release
// within its lease loses the lock to the next waiter; its token is then stale.
// The lease's expiry time is the authority: every waiter queued behind a held lock
// has a check pending for that time (a timer set only at grant time deadlocked the
// queue when the service's clock was skewed past it: found by the chaos preset).
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';

export interface LockRow {
  readonly token: number;
  readonly holder: number;
  readonly requestId: number;
  readonly expiresAt: number;
  readonly released: boolean;
}

export type LockMessage =
  | { type: 'acquire'; lock: string; requestId: number; replyTo: number }
  | { type: 'release'; lock: string; token: number }
  | { type: 'lease-check'; lock: string; token: number }
  | RuntimeMessage;

export interface Granted {
  readonly type: 'granted';
  readonly lock: string;
  readonly token: number;
  readonly requestId: number;
}

interface Waiter {
  readonly requestId: number;
  readonly replyTo: number;
}

export function lockServiceBehaviour(leaseMs: number): Behaviour<Map<string, Waiter[]>, LockMessage> {
  const grant = (ctx: Context, lock: string, w: Waiter) => {
    const token = (ctx.store.get<number>('meta', 'token') ?? 0) + 1;
    ctx.store.put('meta', 'token', token);
    ctx.store.put<LockRow>('locks', lock, { token, holder: w.replyTo, requestId: w.requestId, expiresAt: ctx.now() + leaseMs, released: false });
    ctx.send(w.replyTo, { type: 'granted', lock, token, requestId: w.requestId } satisfies Granted);
    ctx.setTimer(leaseMs, { type: 'lease-check', lock, token });
  };
  const free = (ctx: Context, lock: string) => {
    const l = ctx.store.get<LockRow>('locks', lock);
    return l === undefined || l.released || ctx.now() >= l.expiresAt;
  };
  const grantNext = (waiters: Map<string, Waiter[]>, ctx: Context, lock: string) => {
    const q = waiters.get(lock);
    const w = q?.shift();
    if (w !== undefined) grant(ctx, lock, w);
  };

  return {
    // Waiters are volatile: after a restart the requesters time out and ask again.
    init: () => new Map(),
    receive(waiters, msg, ctx) {
      switch (msg.type) {
        case 'acquire': {
          const q = waiters.get(msg.lock);
          if (free(ctx, msg.lock)) {
            // An expired or released lock goes to whoever waited longest.
            if (q === undefined || q.length === 0) grant(ctx, msg.lock, msg);
            else {
              q.push(msg);
              grantNext(waiters, ctx, msg.lock);
            }
            return waiters;
          }
          if (q === undefined) waiters.set(msg.lock, [msg]);
          else q.push(msg);
          const l = ctx.store.get<LockRow>('locks', msg.lock)!;
          ctx.setTimer(Math.max(0, l.expiresAt - ctx.now()), { type: 'lease-check', lock: msg.lock, token: l.token });
          return waiters;
        }
        case 'release': {
          const l = ctx.store.get<LockRow>('locks', msg.lock);
          if (l === undefined || l.token !== msg.token || l.released) return waiters;
          ctx.store.put<LockRow>('locks', msg.lock, { token: l.token, holder: l.holder, requestId: l.requestId, expiresAt: l.expiresAt, released: true });
          grantNext(waiters, ctx, msg.lock);
          return waiters;
        }
        case 'lease-check': {
          const l = ctx.store.get<LockRow>('locks', msg.lock);
          if (l === undefined || l.token !== msg.token || l.released) return waiters;
          if (ctx.now() < l.expiresAt) {
            // Not expired by this service's clock (it may be skewed): look again then.
            ctx.setTimer(l.expiresAt - ctx.now(), { type: 'lease-check', lock: msg.lock, token: l.token });
            return waiters;
          }
          if ((waiters.get(msg.lock)?.length ?? 0) === 0) return waiters;
          ctx.count('locks.leasesExpired');
          grantNext(waiters, ctx, msg.lock);
          return waiters;
        }
        default:
          return waiters;
      }
    },
  };
}
