// The kit's lease lock: a lock service with fencing tokens (one token counter for all locks,
// durable, so tokens only grow, across restarts too). A holder that does not release
// within its lease loses the lock to the next waiter; its token is then stale.
// The lease's expiry time is the authority: every waiter queued behind a held lock
// has a check pending for that time (a timer set only at grant time deadlocked the
// queue when the service's clock was skewed past it: found by the chaos preset).
import type { Behaviour, Context, RuntimeMessage } from '../runtime/contract.js';

export interface LockRow {
  readonly token: number;
  readonly holder: number;
  readonly requestId: number;
  readonly expiresAt: number;
  readonly released: boolean;
}

export type LockMessage =
  | { type: 'acquire'; lock: string; requestId: number; replyTo: number }
  | { type: 'cancel'; lock: string; requestId: number; replyTo: number }
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

interface LockServiceState {
  readonly waiters: Map<string, Waiter[]>;
  /** Leases (lock#token) with an expiry check pending: one check per lease, however many wait. */
  readonly checks: Set<string>;
}

export function lockServiceBehaviour(leaseMs: number): Behaviour<LockServiceState, LockMessage> {
  const grant = (ctx: Context, lock: string, w: Waiter) => {
    const token = (ctx.store.get<number>('meta', 'token') ?? 0) + 1;
    ctx.store.put('meta', 'token', token);
    ctx.store.put<LockRow>('locks', lock, { token, holder: w.replyTo, requestId: w.requestId, expiresAt: ctx.now() + leaseMs, released: false });
    ctx.count('locks.granted');
    ctx.send(w.replyTo, { type: 'granted', lock, token, requestId: w.requestId } satisfies Granted);
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
    leaseGrantType: 'granted',
    // Waiters are volatile: after a restart the requesters time out and ask again.
    init: () => ({ waiters: new Map(), checks: new Set() }),
    receive(state, msg, ctx) {
      const { waiters, checks } = state;
      /** Makes sure the current lease of `lock` is looked at when it ends (by this service's clock). */
      const checkAtExpiry = (lock: string) => {
        const l = ctx.store.get<LockRow>('locks', lock);
        if (l === undefined || l.released) return;
        const key = `${lock}#${l.token}`;
        if (checks.has(key)) return;
        checks.add(key);
        ctx.setTimer(Math.max(0, l.expiresAt - ctx.now()), { type: 'lease-check', lock, token: l.token });
      };
      switch (msg.type) {
        case 'acquire': {
          const q = waiters.get(msg.lock);
          if (free(ctx, msg.lock)) {
            // An expired or released lock goes to whoever waited longest.
            if (q === undefined || q.length === 0) grant(ctx, msg.lock, msg);
            else {
              q.push(msg);
              grantNext(waiters, ctx, msg.lock);
              if (q.length > 0) checkAtExpiry(msg.lock);
            }
            return state;
          }
          if (q === undefined) waiters.set(msg.lock, [msg]);
          else q.push(msg);
          checkAtExpiry(msg.lock);
          return state;
        }
        case 'cancel': {
          // The requester gave up waiting (and will ask again): drop its place in the queue.
          const q = waiters.get(msg.lock);
          if (q !== undefined) {
            const i = q.findIndex((w) => w.requestId === msg.requestId && w.replyTo === msg.replyTo);
            if (i >= 0) q.splice(i, 1);
          }
          return state;
        }
        case 'release': {
          const l = ctx.store.get<LockRow>('locks', msg.lock);
          if (l === undefined || l.token !== msg.token || l.released) return state;
          ctx.store.put<LockRow>('locks', msg.lock, { token: l.token, holder: l.holder, requestId: l.requestId, expiresAt: l.expiresAt, released: true });
          grantNext(waiters, ctx, msg.lock);
          if ((waiters.get(msg.lock)?.length ?? 0) > 0) checkAtExpiry(msg.lock);
          return state;
        }
        case 'lease-check': {
          checks.delete(`${msg.lock}#${msg.token}`);
          const l = ctx.store.get<LockRow>('locks', msg.lock);
          if (l === undefined || l.token !== msg.token || l.released) return state;
          if (ctx.now() < l.expiresAt) {
            // Not expired by this service's clock (it may be skewed): look again then.
            checkAtExpiry(msg.lock);
            return state;
          }
          if ((waiters.get(msg.lock)?.length ?? 0) === 0) return state;
          ctx.count('locks.leasesExpired');
          grantNext(waiters, ctx, msg.lock);
          if ((waiters.get(msg.lock)?.length ?? 0) > 0) checkAtExpiry(msg.lock);
          return state;
        }
        default:
          return state;
      }
    },
  };
}

/** What a client of the lock service keeps (volatile): its outstanding requests. */
export interface LeaseRequests<P> {
  /** Request ids never repeat across restarts: a grant for a request made before a crash must not match one made after it. */
  epoch: number;
  next: number;
  readonly waiting: Map<number, { readonly lock: string; readonly payload: P }>;
}

/** The client's own time-out message for a request the lock service has not granted in time. */
export interface LeaseTimeout {
  readonly type: 'lease-timeout';
  readonly requestId: number;
}

/**
 * The client side of the lease lock: ask for a lock on behalf of some work (`payload`),
 * match a grant to the request it answers (a grant for a request given up on, or made by
 * an earlier incarnation, goes back), and give up and withdraw a request after
 * `acquireTimeoutMs` (the caller usually asks again).
 */
export function leaseClient<P>(o: { readonly service: string; readonly acquireTimeoutMs: number }) {
  return {
    init: (): LeaseRequests<P> => ({ epoch: 0, next: 1, waiting: new Map() }),
    /** On `$started`: a new epoch, durable, for this incarnation's request ids. */
    start(r: LeaseRequests<P>, ctx: Context): void {
      r.epoch = (ctx.store.get<number>('$lease', 'epoch') ?? 0) + 1;
      ctx.store.put('$lease', 'epoch', r.epoch);
    },
    acquire(r: LeaseRequests<P>, ctx: Context, lock: string, payload: P): number {
      const requestId = r.epoch * 1_048_576 + r.next++;
      r.waiting.set(requestId, { lock, payload });
      ctx.send(o.service, { type: 'acquire', lock, requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
      ctx.setTimer(o.acquireTimeoutMs, { type: 'lease-timeout', requestId } satisfies LeaseTimeout);
      return requestId;
    },
    /** The work a grant is for, or undefined (then the lock has been handed back). */
    granted(r: LeaseRequests<P>, ctx: Context, g: Granted): { payload: P; lock: string; token: number; requestId: number } | undefined {
      const w = r.waiting.get(g.requestId);
      if (w === undefined || w.lock !== g.lock) {
        ctx.send(o.service, { type: 'release', lock: g.lock, token: g.token } satisfies LockMessage);
        return undefined;
      }
      r.waiting.delete(g.requestId);
      return { payload: w.payload, lock: g.lock, token: g.token, requestId: g.requestId };
    },
    /** A request not granted in time: withdrawn (or the lock's queue fills with requests nobody waits for); its work, to ask again. */
    timedOut(r: LeaseRequests<P>, ctx: Context, t: LeaseTimeout): { payload: P; lock: string } | undefined {
      const w = r.waiting.get(t.requestId);
      if (w === undefined) return undefined;
      r.waiting.delete(t.requestId);
      ctx.count('locks.acquireTimeouts');
      ctx.send(o.service, { type: 'cancel', lock: w.lock, requestId: t.requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
      return w;
    },
    release(ctx: Context, lock: string, token: number): void {
      ctx.send(o.service, { type: 'release', lock, token } satisfies LockMessage);
    },
  };
}
