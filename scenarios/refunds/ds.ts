// DS, disbursement: takes one lock per batch (not per refund), checks its fencing
// token against the ledger's database, reserves funds from the refund type's budget,
// disburses each refund at most once (the ledger is keyed by refundId: a refund seen
// before gets its recorded outcome published again, no new money moves), publishes
// the outcomes (failures to the DLQ too) and confirms the batch once the broker has
// acknowledged every record.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { Batch } from '../../actors/batcher.js';
import { leaseClient, type Granted, type LeaseRequests, type LeaseTimeout } from '../../actors/lease-lock.js';
import type { RefundParams } from './params.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, lockNameFor, type LedgerRow, type OutcomeEvent, type RefundEvent } from './model.js';

export const DS_CRASH_POINTS = ['ds.holding-lock', 'ds.after-ledger-before-publish'] as const;

type RefundBatch = Batch<RefundEvent>;

interface Publishing {
  readonly batch: RefundBatch;
  remaining: number;
}

interface DsState {
  /** Lock requests out, each for a batch. Request ids never repeat across restarts (found by property search: DS wrote under one refund type's lock with another type's token). */
  readonly leases: LeaseRequests<RefundBatch>;
  /** Batches waiting for their lock: one request per batch, however often it is resent. */
  readonly waiting: Set<string>;
  readonly publishing: Map<string, Publishing>;
}

type DsMessage = RefundBatch | Granted | LeaseTimeout | RuntimeMessage;

export function dsBehaviour(cfg: RefundParams, lockService = 'lock-service'): Behaviour<DsState, DsMessage> {
  const leases = leaseClient<RefundBatch>({ service: lockService, acquireTimeoutMs: cfg.lockAcquireTimeoutMs });

  /** One transfer to the payee's bank, with bounded retries of transient failures. */
  const transfer = (ctx: Context, account: string): string | undefined => {
    if (account === 'closed') return 'payee account closed';
    for (let attempt = 1; attempt <= cfg.transferAttemptsMax; attempt++) {
      if (ctx.random() >= cfg.transferFailureRate) return undefined;
    }
    return `transfer failed ${cfg.transferAttemptsMax} times`;
  };

  const disburse = (s: DsState, ctx: Context, batch: RefundBatch, lock: string, token: number) => {
    const store = ctx.store;
    const refundType = batch.group as number;
    ctx.crashPoint('ds.holding-lock');
    if (cfg.variant !== 'lock-no-fencing' && !store.fence(lock, token)) {
      ctx.count('ds.fencedOut');
      leases.release(ctx, lock, token);
      ctx.send(batch.replyTo, { type: 'batch-done', batchId: batch.batchId, ok: false });
      return;
    }
    let budget = store.get<number>('budget', refundType) ?? cfg.fundsPerType;
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
    store.put('budget', refundType, budget);
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
    leases.release(ctx, lock, token);
    // A resent batch may be publishing already: the later confirmation answers both.
    s.publishing.set(batch.batchId, { batch, remaining: remaining + (s.publishing.get(batch.batchId)?.remaining ?? 0) });
  };

  return {
    init: () => ({ leases: leases.init(), waiting: new Set(), publishing: new Map() }),
    crashPoints: DS_CRASH_POINTS,
    receive(s, msg, ctx) {
      switch (msg.type) {
        case '$started':
          leases.start(s.leases, ctx);
          return s;
        case 'batch':
          // A resent batch we are already waiting for or publishing: the answer is coming.
          if (s.waiting.has(msg.batchId) || s.publishing.has(msg.batchId)) {
            ctx.count('ds.resentBatchesIgnored');
            return s;
          }
          ctx.record('dsBatchSize', msg.items.length);
          s.waiting.add(msg.batchId);
          leases.acquire(s.leases, ctx, lockNameFor(msg.group), msg);
          return s;
        case 'granted': {
          const g = leases.granted(s.leases, ctx, msg);
          if (g === undefined) return s;
          s.waiting.delete(g.payload.batchId);
          disburse(s, ctx, g.payload, g.lock, g.token);
          return s;
        }
        case 'lease-timeout': {
          // Withdrawn, then asked again: the batch keeps waiting.
          const w = leases.timedOut(s.leases, ctx, msg);
          if (w !== undefined) leases.acquire(s.leases, ctx, w.lock, w.payload);
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
