// DS as a 2PC participant: on prepare it takes the refund type's lock (one lock per
// refund, where the event-driven design takes one per batch) and reserves the amount;
// it holds both until the coordinator decides. Commit writes the ledger under the
// lock's fencing token and releases; abort returns the reservation and releases.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundParams } from '../refunds/params.js';
import type { Granted, LockMessage } from '../../actors/lease-lock.js';
import { lockNameFor, type LedgerRow } from '../refunds/model.js';
import type { Decide, Prepare } from './messages.js';

interface Held {
  readonly prepare: Prepare;
  readonly lock: string;
  token: number;
  granted: boolean;
}

interface Ds2pcState {
  epoch: number;
  next: number;
  /** By lock request id. */
  readonly waiting: Map<number, Held>;
  /** By transaction id, once prepared. */
  readonly prepared: Map<string, Held>;
}

export function ds2pcBehaviour(cfg: RefundParams, lockService = 'lock-service'): Behaviour<Ds2pcState, Prepare | Decide | Granted | RuntimeMessage> {
  const vote = (ctx: Context, p: Prepare, yes: boolean, reason?: string) => ctx.send(p.replyTo, { type: 'vote', txId: p.txId, from: 'ds', yes, reason });
  const release = (ctx: Context, h: Held) => ctx.send(lockService, { type: 'release', lock: h.lock, token: h.token } satisfies LockMessage);

  return {
    init: () => ({ epoch: 0, next: 1, waiting: new Map(), prepared: new Map() }),
    receive(s, msg, ctx) {
      const store = ctx.store;
      switch (msg.type) {
        case '$started':
          s.epoch = (store.get<number>('meta', 'epoch') ?? 0) + 1;
          store.put('meta', 'epoch', s.epoch);
          return s;
        case 'prepare': {
          const done = store.get<LedgerRow>('ledger', msg.refund.refundId);
          if (done !== undefined) {
            vote(ctx, msg, done.status === 'DISBURSED', done.reason);
            return s;
          }
          const requestId = s.epoch * 1_048_576 + s.next++;
          const lock = lockNameFor(msg.refund.refundType);
          s.waiting.set(requestId, { prepare: msg, lock, token: 0, granted: false });
          ctx.send(lockService, { type: 'acquire', lock, requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
          return s;
        }
        case 'granted': {
          const h = s.waiting.get(msg.requestId);
          if (h === undefined || h.lock !== msg.lock) {
            ctx.send(lockService, { type: 'release', lock: msg.lock, token: msg.token });
            return s;
          }
          s.waiting.delete(msg.requestId);
          h.token = msg.token;
          h.granted = true;
          const e = h.prepare.refund;
          const budget = store.get<number>('budget', e.refundType) ?? cfg.fundsPerType;
          const reserved = store.get<number>('reserved', e.refundType) ?? 0;
          if (e.account === 'closed' || e.amount > budget - reserved) {
            release(ctx, h);
            vote(ctx, h.prepare, false, e.account === 'closed' ? 'payee account closed' : 'insufficient funds');
            return s;
          }
          store.put('reserved', e.refundType, reserved + e.amount);
          s.prepared.set(h.prepare.txId, h);
          vote(ctx, h.prepare, true);
          return s;
        }
        case 'commit':
        case 'abort': {
          const h = s.prepared.get(msg.txId);
          if (h === undefined) {
            // Decided before our prepare got its lock (the coordinator timed out): withdraw
            // the lock request, or a late grant would reserve funds for a dead transaction.
            for (const [requestId, w] of s.waiting) {
              if (w.prepare.txId !== msg.txId) continue;
              s.waiting.delete(requestId);
              ctx.send(lockService, { type: 'cancel', lock: w.lock, requestId, replyTo: ctx.ref(ctx.selfName) } satisfies LockMessage);
            }
            ctx.send(msg.replyTo, { type: 'done', txId: msg.txId, from: 'ds' });
            return s;
          }
          s.prepared.delete(msg.txId);
          const e = msg.refund;
          store.put('reserved', e.refundType, (store.get<number>('reserved', e.refundType) ?? 0) - e.amount);
          if (msg.type === 'commit' && store.fence(h.lock, h.token) && !store.has('ledger', e.refundId)) {
            store.put('budget', e.refundType, (store.get<number>('budget', e.refundType) ?? cfg.fundsPerType) - e.amount);
            store.put<LedgerRow>('ledger', e.refundId, { refundId: e.refundId, status: 'DISBURSED', amount: e.amount, refundType: e.refundType, lock: h.lock, token: h.token });
          }
          release(ctx, h);
          ctx.send(msg.replyTo, { type: 'done', txId: msg.txId, from: 'ds' });
          return s;
        }
        default:
          return s;
      }
    },
  };
}
