// RMS as the coordinator of the rejected design: every refund is a synchronous
// two-phase commit over DS and CS, run on one of a fixed pool of request threads
// (a thread stays taken until the transaction ends); requests beyond the pool wait
// for a thread. The caller is answered only when the transaction is over.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundParams } from '../refunds/params.js';
import { TOPIC_DLQ, refundWithStatus, type RefundEvent, type RefundRequest, type RefundRow, type RefundStatus } from '../refunds/model.js';
import type { Done, Vote } from './messages.js';
import type { Outbox } from '../../actors/outbox.js';

export const REQUEST_THREADS = 200;

interface Tx {
  readonly request: RefundRequest;
  readonly refund: RefundEvent;
  phase: 'prepare' | 'commit' | 'abort';
  votes: number;
  done: number;
  reason?: string;
}

interface Rms2pcState {
  readonly txs: Map<string, Tx>;
  readonly waiting: RefundRequest[];
  /** Keys waiting for a thread: a retry of one of them must not queue it twice. */
  readonly waitingKeys: Set<string>;
  waitingHead: number;
}

type Msg = RefundRequest | Vote | Done | { type: 'prepare-timeout'; txId: string } | RuntimeMessage;

/** The dead letters of aborted refunds go out through `outbox`, in the transaction that ends the refund (found by property search: produced directly, a crash right after the commit lost them). */
export function rms2pcBehaviour(cfg: RefundParams, outbox: Outbox, prepareTimeoutMs = 5_000): Behaviour<Rms2pcState, Msg> {
  const reply = (ctx: Context, r: RefundRequest, status: RefundStatus) => ctx.send(r.replyTo, { type: 'refund-response', key: r.key, status });

  const begin = (s: Rms2pcState, ctx: Context, r: RefundRequest) => {
    const refund: RefundEvent = { refundId: r.key, refundType: r.refundType, amount: r.amount, account: r.account, requestedAt: r.requestedAt };
    ctx.store.put<RefundRow>('refunds', r.key, { key: r.key, refundType: r.refundType, amount: r.amount, status: 'PENDING', requestedAt: r.requestedAt, reason: undefined });
    s.txs.set(r.key, { request: r, refund, phase: 'prepare', votes: 0, done: 0 });
    const me = ctx.ref(ctx.selfName);
    for (const p of ['ds', 'cs']) ctx.send(p, { type: 'prepare', txId: r.key, refund, replyTo: me });
    ctx.setTimer(prepareTimeoutMs, { type: 'prepare-timeout', txId: r.key });
  };

  const decide = (ctx: Context, tx: Tx, decision: 'commit' | 'abort', reason?: string) => {
    tx.phase = decision;
    tx.reason = reason;
    const me = ctx.ref(ctx.selfName);
    for (const p of ['ds', 'cs']) ctx.send(p, { type: decision, txId: tx.refund.refundId, refund: tx.refund, replyTo: me });
  };

  const finish = (s: Rms2pcState, ctx: Context, tx: Tx) => {
    s.txs.delete(tx.refund.refundId);
    const row = ctx.store.get<RefundRow>('refunds', tx.refund.refundId)!;
    if (tx.phase === 'commit') {
      ctx.store.put<RefundRow>('refunds', tx.refund.refundId, refundWithStatus(row, 'DISBURSED', undefined));
      reply(ctx, tx.request, 'DISBURSED');
    } else {
      const reason = tx.reason ?? 'aborted';
      ctx.store.put<RefundRow>('refunds', tx.refund.refundId, refundWithStatus(row, 'DEAD_LETTERED', reason));
      outbox.write(ctx, TOPIC_DLQ, tx.refund.refundId, { ...tx.refund, outcome: 'FAILED', reason });
      reply(ctx, tx.request, 'DEAD_LETTERED');
    }
    // The thread is free: the longest-waiting request takes it.
    if (s.waitingHead < s.waiting.length) {
      const next = s.waiting[s.waitingHead++];
      s.waitingKeys.delete(next.key);
      if (s.waitingHead > 1024 && s.waitingHead * 2 > s.waiting.length) {
        s.waiting.splice(0, s.waitingHead);
        s.waitingHead = 0;
      }
      begin(s, ctx, next);
    }
  };

  return {
    init: () => ({ txs: new Map(), waiting: [], waitingKeys: new Set(), waitingHead: 0 }),
    // Requests waiting for a request thread: this design's backlog.
    pending: (s) => s.waiting.length - s.waitingHead,
    receive(s, msg, ctx) {
      switch (msg.type) {
        case 'refund-request': {
          const existing = ctx.store.get<RefundRow>('refunds', msg.key);
          if (existing !== undefined || s.waitingKeys.has(msg.key)) {
            ctx.count('rms.retriesAnswered');
            reply(ctx, msg, existing?.status ?? 'PENDING');
            return s;
          }
          if (!(msg.amount > 0) || msg.account === '') {
            ctx.store.put<RefundRow>('refunds', msg.key, { key: msg.key, refundType: msg.refundType, amount: msg.amount, status: 'REJECTED', requestedAt: msg.requestedAt, reason: msg.amount > 0 ? 'no payee account' : 'amount must be positive' });
            reply(ctx, msg, 'REJECTED');
            return s;
          }
          if (s.txs.size < REQUEST_THREADS) begin(s, ctx, msg);
          else {
            s.waiting.push(msg);
            s.waitingKeys.add(msg.key);
          }
          ctx.record('threadsBusy', s.txs.size);
          return s;
        }
        case 'vote': {
          const tx = s.txs.get(msg.txId);
          if (tx === undefined || tx.phase !== 'prepare') return s;
          if (!msg.yes) decide(ctx, tx, 'abort', msg.reason ?? `${msg.from} voted no`);
          else if (++tx.votes === 2) decide(ctx, tx, 'commit');
          return s;
        }
        case 'prepare-timeout': {
          const tx = s.txs.get(msg.txId);
          if (tx !== undefined && tx.phase === 'prepare') decide(ctx, tx, 'abort', `prepare timed out after ${prepareTimeoutMs} ms`);
          return s;
        }
        case 'done': {
          const tx = s.txs.get(msg.txId);
          if (tx === undefined || tx.phase === 'prepare') return s;
          if (++tx.done === 2) finish(s, ctx, tx);
          return s;
        }
        default:
          return s;
      }
    },
  };
}
