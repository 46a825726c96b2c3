// The load generator and the caller: open-loop Poisson arrivals (the next arrival
// never waits for a slow pipeline), a double submit with the same key for a share of
// requests, and retries with the same key after a timeout. Latency is measured from
// the intended arrival time of the first attempt, so a stalled RMS cannot hide its
// own delay (no coordinated omission).
import type { Behaviour, Context } from '../../runtime/contract.js';
import type { RefundConfig } from './config.js';
import { nextArrivalMs } from './arrivals.js';
import type { RefundRequest, RefundResponse, RefundStatus } from './model.js';
import { SeqMap } from '../../runtime/sim/seq-map.js';
import { refundKey, refundNumber } from './tables.js';

/** What the harness learns at the client edge: which requests were answered, and how. */
export interface ClientLog {
  responded(index: number, status: RefundStatus, latencyMs: number): void;
  /** No answer after the last attempt: `waitedMs` since the intended arrival. */
  gaveUp(index: number, waitedMs: number): void;
  /** A retry went out under another key than the request it repeats. */
  aliased(key: string, originalKey: string): void;
}

interface Outstanding {
  request: RefundRequest;
  readonly index: number;
  attempts: number;
  sentAt: number;
}

interface ClientState {
  next: number;
  nextAt: number;
  /** By request number (requests are numbered in arrival order: a SeqMap, not a Map). */
  outstanding: Map<number, Outstanding>;
  sweeping: boolean;
}

type ClientMessage =
  | { type: 'arrive' }
  | { type: 'double-submit'; request: RefundRequest }
  | { type: 'sweep' }
  | { type: 'retry'; key: string }
  | { type: '$rejected'; status: number; original: RefundRequest }
  | RefundResponse;

export { refundKey };

/**
 * The client makes every request due within this long of its clock at once, each sent
 * ahead to leave at its own intended time: one arrival timer per burst instead of one per
 * request (a sixth of a simulated refund's events). Arrival times are unchanged.
 */
const LOOKAHEAD_MS = 10;

/** The request number a key was made from (`rf-<n>`, or a buggy retry's `rf-<n>~r<k>`), or -1. */
function requestNumberOf(key: string): number {
  const tilde = key.indexOf('~');
  return refundNumber(tilde < 0 ? key : key.slice(0, tilde));
}

export function clientBehaviour(cfg: RefundConfig, log: ClientLog, rmsName = 'rms'): Behaviour<ClientState, ClientMessage> {
  const next = (ctx: Context, t: number) => nextArrivalMs(cfg.arrival, cfg.ratePerSec, t, () => ctx.random());

  const makeRequest = (ctx: Context, index: number, at: number): RefundRequest => {
    const refundType = Math.floor(ctx.random() * cfg.refundTypes);
    let amount = cfg.amountMin + Math.floor(ctx.random() * (cfg.amountMax - cfg.amountMin + 1));
    let account = 'open';
    const u = ctx.random();
    if (u < cfg.invalidRate / 2) amount = 0;
    else if (u < cfg.invalidRate) account = '';
    else if (u < cfg.invalidRate + cfg.closedAccountRate) account = 'closed';
    return { type: 'refund-request', key: refundKey(index), refundType, amount, account, requestedAt: at, replyTo: ctx.ref(ctx.selfName) };
  };

  /** Sends `o` (again), now or `aheadMs` from now. */
  const send = (s: ClientState, ctx: Context, o: Outstanding, aheadMs = 0) => {
    if (o.attempts > 0 && cfg.variant === 'client-retry-new-key') {
      // The bug: a retry is a new request as far as RMS can tell.
      const key = `${refundKey(o.index)}~r${o.attempts}`;
      log.aliased(key, refundKey(o.index));
      o.request = { ...o.request, key };
    }
    o.attempts++;
    // A late burst (the client was paused or busy) sends now: its time out counts from now.
    o.sentAt = ctx.now() + Math.max(0, aheadMs);
    if (aheadMs > 0) ctx.sendAfter(aheadMs, rmsName, o.request);
    else ctx.send(rmsName, o.request);
  };

  /** The request still waiting under `key`: an answer to a key it no longer uses (a buggy client's old key) finds none. */
  const outstandingFor = (s: ClientState, key: string): Outstanding | undefined => {
    const o = s.outstanding.get(requestNumberOf(key));
    return o !== undefined && o.request.key === key ? o : undefined;
  };

  const armSweep = (state: ClientState, ctx: Context) => {
    if (state.sweeping) return;
    state.sweeping = true;
    ctx.setTimer(cfg.clientTimeoutMs / 2, { type: 'sweep' });
  };

  return {
    init: () => ({ next: 1, nextAt: 0, outstanding: new SeqMap(), sweeping: false }),
    receive(state, msg, ctx) {
      switch (msg.type) {
        case '$started':
          if (!msg.restart && cfg.refunds > 0) {
            state.nextAt = next(ctx, ctx.now());
            ctx.setTimer(state.nextAt - ctx.now(), { type: 'arrive' });
          }
          return state;
        case 'arrive': {
          const now = ctx.now();
          for (;;) {
            const index = state.next++;
            const at = state.nextAt;
            const request = makeRequest(ctx, index, at);
            const o: Outstanding = { request, index, attempts: 0, sentAt: 0 };
            state.outstanding.set(index, o);
            send(state, ctx, o, at - now);
            armSweep(state, ctx);
            if (ctx.random() < cfg.clientRetryRate) {
              ctx.setTimer(at - now + ctx.random() * cfg.clientRetryDelayMsMax, { type: 'double-submit', request });
            }
            if (state.next > cfg.refunds) break;
            state.nextAt = next(ctx, at);
            if (state.nextAt - now >= LOOKAHEAD_MS) {
              ctx.setTimer(state.nextAt - now, { type: 'arrive' });
              break;
            }
          }
          return state;
        }
        case 'double-submit':
          // The user presses submit again: the same request and key, answered or not.
          ctx.send(rmsName, msg.request);
          return state;
        case 'refund-response': {
          const o = outstandingFor(state, msg.key);
          if (o !== undefined) {
            state.outstanding.delete(o.index);
            log.responded(o.index, msg.status, ctx.now() - o.request.requestedAt);
          }
          return state;
        }
        case '$rejected': {
          // 429: back off (longer each attempt) and retry with the same key.
          const o = outstandingFor(state, msg.original.key);
          if (o !== undefined) ctx.setTimer(100 * 2 ** Math.min(o.attempts, 6) * (0.5 + ctx.random()), { type: 'retry', key: o.request.key });
          return state;
        }
        case 'retry': {
          const o = outstandingFor(state, msg.key);
          if (o === undefined) return state;
          if (o.attempts < cfg.clientAttemptsMax) send(state, ctx, o);
          else {
            state.outstanding.delete(o.index);
            log.gaveUp(o.index, ctx.now() - o.request.requestedAt);
          }
          return state;
        }
        case 'sweep': {
          state.sweeping = false;
          const now = ctx.now();
          for (const o of state.outstanding.values()) {
            if (now - o.sentAt < cfg.clientTimeoutMs) continue;
            if (o.attempts < cfg.clientAttemptsMax) send(state, ctx, o);
            else {
              state.outstanding.delete(o.index);
              log.gaveUp(o.index, ctx.now() - o.request.requestedAt);
            }
          }
          if (state.outstanding.size > 0) armSweep(state, ctx);
          return state;
        }
        default:
          return state;
      }
    },
  };

}
