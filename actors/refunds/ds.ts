// DS, disbursement: takes one lock per batch (not per refund), checks its fencing
// token against the ledger's database, reserves funds from the refund type's budget,
// disburses each refund at most once (the ledger is keyed by refundId: a refund seen
// before gets its recorded outcome published again, no new money moves), publishes
// the outcomes (failures to the DLQ too) and confirms the batch once the broker has
// acknowledged every record.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundConfig } from './config.js';
import type { Granted, LockMessage } from './lock-service.js';
import {
  TOPIC_DLQ, TOPIC_OUTCOMES, lockNameFor,
  type Batch, type LedgerRow, type OutcomeEvent,
} from './model.js';

export const DS_CRASH_POINTS = ['ds.holding-lock', 'ds.after-ledger-before-publish'] as const;

interface Waiting {
  readonly batch: Batch;
  readonly lock: string;
}

interface Publishing {
  readonly batch: Batch;
  remaining: number;
}

interface DsState {
  /** Lock request ids never repeat across restarts: a grant for a request made before a
   * crash must not match one made after it (found by property search: DS wrote under
   * one refund type's lock with another type's token). */
  epoch: number;
  nextRequest: number;
  waiting: Map<number, Waiting>;
  /** The lock request each waiting batch has out: one per batch, however often it is resent. */
  waitingByBatch: Map<string, number>;
  publishing: Map<string, Publishing>;
}

type DsMessage = Batch | Granted | { type: 'acquire-timeout'; requestId: number } | RuntimeMessage;

export function dsBehaviour(cfg: RefundConfig, lockService = 'lock-service'): Behaviour<DsState, DsMessage> {
  const acquire = (s: DsState, ctx: Context, batch: Batch) => {
    const requestId = s.epoch * 1_048_576 + s.nextRequest++;
    const lock = lockNameFor(batch.refundType);
    s.waiting.set(requestId, { batch, lock });
    s.waitingByBatch.set(batch.batchId, requestId);
    ctx.send(lockService, { type: 'acquire', lock, requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
    ctx.setTimer(cfg.lockAcquireTimeoutMs, { type: 'acquire-timeout', requestId });
  };

  /** One transfer to the payee's bank, with bounded retries of transient failures. */
  const transfer = (ctx: Context, account: string): string | undefined => {
    if (account === 'closed') return 'payee account closed';
    for (let attempt = 1; attempt <= cfg.transferAttemptsMax; attempt++) {
      if (ctx.random() >= cfg.transferFailureRate) return undefined;
    }
    return `transfer failed ${cfg.transferAttemptsMax} times`;
  };

  const disburse = (s: DsState, ctx: Context, w: Waiting, token: number) => {
    const store = ctx.store;
    const { batch, lock } = w;
    ctx.crashPoint('ds.holding-lock');
    if (cfg.variant !== 'lock-no-fencing' && !store.fence(lock, token)) {
      ctx.count('ds.fencedOut');
      ctx.send(lockService, { type: 'release', lock, token });
      ctx.send(batch.replyTo, { type: 'batch-done', batchId: batch.batchId, ok: false });
      return;
    }
    let budget = store.get<number>('budget', batch.refundType) ?? cfg.fundsPerType;
    const leak = cfg.variant === 'ds-leaks-reservation';
    if (leak) for (const e of batch.items) budget -= e.amount; // reserve the whole batch up front
    const outcomes: OutcomeEvent[] = [];
    for (const e of batch.items) {
      let row = cfg.variant === 'ds-no-idempotency' ? undefined : store.get<LedgerRow>('ledger', e.refundId);
      if (row !== undefined) ctx.count('duplicatesSuppressed');
      else {
        let reason = transfer(ctx, e.account);
        if (reason === undefined && !leak && e.amount > budget) reason = 'insufficient funds';
        if (reason === undefined && !leak) budget -= e.amount;
        row = { refundId: e.refundId, status: reason === undefined ? 'DISBURSED' : 'FAILED', amount: e.amount, refundType: e.refundType, lock, token, reason };
        store.put<LedgerRow>('ledger', e.refundId, row);
      }
      outcomes.push({ refundId: e.refundId, outcome: row.status, refundType: e.refundType, amount: e.amount, requestedAt: e.requestedAt, reason: row.reason });
    }
    store.put('budget', batch.refundType, budget);
    ctx.crashPoint('ds.after-ledger-before-publish');
    let remaining = 0;
    for (const o of outcomes) {
      ctx.produce(TOPIC_OUTCOMES, o.refundId, o, batch.batchId);
      remaining++;
      if (o.outcome === 'FAILED') {
        ctx.produce(TOPIC_DLQ, o.refundId, o, batch.batchId);
        remaining++;
      }
    }
    ctx.send(lockService, { type: 'release', lock, token });
    // A resent batch may be publishing already: the later confirmation answers both.
    s.publishing.set(batch.batchId, { batch, remaining: remaining + (s.publishing.get(batch.batchId)?.remaining ?? 0) });
  };

  return {
    init: () => ({ epoch: 0, nextRequest: 1, waiting: new Map(), waitingByBatch: new Map(), publishing: new Map() }),
    crashPoints: DS_CRASH_POINTS,
    receive(s, msg, ctx) {
      switch (msg.type) {
        case '$started':
          s.epoch = (ctx.store.get<number>('meta', 'epoch') ?? 0) + 1;
          ctx.store.put('meta', 'epoch', s.epoch);
          return s;
        case 'batch':
          // A resent batch we are already waiting for or publishing: the answer is coming.
          if (s.waitingByBatch.has(msg.batchId) || s.publishing.has(msg.batchId)) {
            ctx.count('ds.resentBatchesIgnored');
            return s;
          }
          ctx.record('dsBatchSize', msg.items.length);
          acquire(s, ctx, msg);
          return s;
        case 'granted': {
          const w = s.waiting.get(msg.requestId);
          if (w === undefined || w.lock !== msg.lock) {
            // A grant for a request we gave up on (or made before a restart): hand it back.
            ctx.send(lockService, { type: 'release', lock: msg.lock, token: msg.token });
            return s;
          }
          s.waiting.delete(msg.requestId);
          s.waitingByBatch.delete(w.batch.batchId);
          disburse(s, ctx, w, msg.token);
          return s;
        }
        case 'acquire-timeout': {
          const w = s.waiting.get(msg.requestId);
          if (w === undefined) return s;
          s.waiting.delete(msg.requestId);
          ctx.count('ds.lockTimeouts');
          // Withdraw the old request before asking again, or the lock's queue fills with
          // requests nobody waits for (a retry storm: found by property search).
          ctx.send(lockService, { type: 'cancel', lock: w.lock, requestId: msg.requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
          acquire(s, ctx, w.batch);
          return s;
        }
        case '$produceFailed':
          // Outcomes not delivered: no confirmation; the batcher sends the batch again and
          // the ledger's outcomes are published again.
          for (const t of msg.tokens) s.publishing.delete(t as string);
          return s;
        case '$produced': {
          for (const t of msg.tokens) {
            const p = s.publishing.get(t as string);
            if (p === undefined || --p.remaining > 0) continue;
            s.publishing.delete(t as string);
            ctx.send(p.batch.replyTo, { type: 'batch-done', batchId: p.batch.batchId, ok: true });
          }
          return s;
        }
        default:
          return s;
      }
    },
  };
}
