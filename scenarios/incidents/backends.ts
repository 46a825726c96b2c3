// What the API pods call: the config service (the source of truth with the shared cache in
// front of it, Redis in the seed), the operators who change the config, and the ledger
// database the debits go to.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import { SlidingWindowLimiter } from '../../actors/rate-limiter.js';
import { CONFIG_NAME } from './params.js';

export type GetConfig = { type: 'get-config'; name: string; callId: string; replyTo: number };
export type ConfigValue = { type: 'config-value'; name: string; version: number; callId: string };
export type CacheEvict = { type: 'cache-evict'; name: string; version: number };
export type SetConfig = { type: 'set-config'; name: string };
export type Debit = { type: 'debit'; debitId: string; payment: string; amount: number; callId: string; replyTo: number };
export type DebitResult = { type: 'debit-result'; callId: string; status: 'debited' | 'already-debited' };

export type Quote = { type: 'quote'; call: string; attempt: number; callId: string; replyTo: number };
export type QuoteResult = { type: 'quote-result'; call: string; callId: string; status: 200 | 429; retryAfterMs?: number };

export interface VersionRow { readonly version: number }
export interface DebitRow { readonly payment: string; readonly amount: number; readonly status: 'DEBITED' }

/**
 * The config service: a change is written, then announced on pub/sub to every pod (evict
 * your copy). Reads answer the version it holds now.
 */
export function configService(pods: readonly string[]): Behaviour<null, GetConfig | SetConfig | RuntimeMessage> {
  return {
    init: () => null,
    crashPoints: ['config.after-change'],
    receive(s, m, ctx) {
      switch (m.type) {
        case '$started':
          if (!ctx.store.has('versions', CONFIG_NAME)) ctx.store.put<VersionRow>('versions', CONFIG_NAME, { version: 1 });
          break;
        case 'get-config': {
          const version = ctx.store.get<VersionRow>('versions', m.name)?.version ?? 0;
          ctx.send(m.replyTo, { type: 'config-value', name: m.name, version, callId: m.callId } satisfies ConfigValue);
          break;
        }
        case 'set-config': {
          const version = (ctx.store.get<VersionRow>('versions', m.name)?.version ?? 0) + 1;
          ctx.store.put<VersionRow>('versions', m.name, { version });
          ctx.count('config.changes');
          ctx.crashPoint('config.after-change');
          for (const pod of pods) ctx.send(pod, { type: 'cache-evict', name: m.name, version } satisfies CacheEvict);
          break;
        }
      }
      return s;
    },
  };
}

/** Operators: `changes` config changes, `everyMs` apart (their progress is durable: a restart does not repeat one). */
export function operators(changes: number, everyMs: number): Behaviour<null, { type: 'change' } | RuntimeMessage> {
  const scheduleNext = (done: number, now: number, setTimer: (ms: number) => void) => {
    if (done < changes) setTimer(Math.max(0, (done + 1) * everyMs - now));
  };
  return {
    init: () => null,
    receive(s, m, ctx) {
      const done = ctx.store.get<number>('progress', 'changes') ?? 0;
      if (m.type === '$started') scheduleNext(done, ctx.now(), (ms) => ctx.setTimer(ms, { type: 'change' }));
      else if (m.type === 'change') {
        ctx.send('config', { type: 'set-config', name: CONFIG_NAME } satisfies SetConfig);
        ctx.store.put('progress', 'changes', done + 1);
        scheduleNext(done + 1, ctx.now(), (ms) => ctx.setTimer(ms, { type: 'change' }));
      }
      return s;
    },
  };
}

/**
 * The ledger database: one debit per debit id (a unique key). Given the payment's
 * idempotency key as its id, a retried debit finds the first and is answered as done.
 */
export const ledger: Behaviour<null, Debit | RuntimeMessage> = {
  init: () => null,
  crashPoints: ['ledger.after-debit'],
  receive(s, m, ctx) {
    if (m.type !== 'debit') return s;
    const inserted = ctx.store.insertIfAbsent<DebitRow>('debits', m.debitId, { payment: m.payment, amount: m.amount, status: 'DEBITED' });
    ctx.count(inserted ? 'ledger.debits' : 'ledger.repeatedDebits');
    // Committed, then a crash here: the debit happened and its answer is never sent.
    ctx.crashPoint('ledger.after-debit');
    ctx.send(m.replyTo, { type: 'debit-result', callId: m.callId, status: inserted ? 'debited' : 'already-debited' } satisfies DebitResult);
    return s;
  },
};

/**
 * The acquirer: a downstream that takes at most `limit` calls in any `windowMs` and answers
 * the rest 429 with a Retry-After (when its window next has room).
 */
export function acquirer(limit: number, windowMs: number): Behaviour<SlidingWindowLimiter, Quote | RuntimeMessage> {
  return {
    init: () => new SlidingWindowLimiter({ maxCalls: limit, windowMs }),
    receive(window, m, ctx) {
      if (m.type !== 'quote') return window;
      const now = ctx.now();
      const served = window.tryAcquire(now);
      const retryAfterMs = served ? undefined : Math.max(1, Math.ceil(window.waitMs(now)));
      ctx.count(served ? 'acquirer.served' : 'acquirer.throttled');
      ctx.send(m.replyTo, { type: 'quote-result', call: m.call, callId: m.callId, status: served ? 200 : 429, retryAfterMs } satisfies QuoteResult);
      return window;
    },
  };
}
