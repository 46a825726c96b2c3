// Calls between services as data: each call gets a correlation id, goes out carrying the
// caller's ref to answer to (`replyTo`, which the runtimes also use to refuse it with a
// `$rejected` 429/503), and a timer that fires if no answer came in time. An answer or a
// refusal that arrives after its call timed out (or for a call this incarnation never made)
// is recognised and ignored, as an HTTP client drops a response to a request it abandoned.
//
// Ids carry an epoch drawn from the actor's own random stream when it (re)starts, so an
// answer addressed to the previous incarnation never settles one of this one's calls.
import type { Context } from '../runtime/contract.js';

/** The timer a call sets: route it back to `timedOut`. */
export interface CallTimeout {
  readonly type: 'call-timeout';
  readonly callId: string;
}

/** What a call's message must carry; the callee answers `replyTo` with the same `callId`. */
export interface CallEnvelope {
  readonly callId: string;
  readonly replyTo: number;
}

interface Open<P> {
  readonly payload: P;
  readonly to: string;
  readonly sentAt: number;
  readonly timer: number;
}

export interface Settled<P> {
  readonly payload: P;
  /** From sending to the answer, on the caller's clock. */
  readonly ms: number;
}

export class PendingCalls<P> {
  private readonly epoch: string;
  private next = 1;
  private readonly open = new Map<string, Open<P>>();

  /** Make one per incarnation (in `init`): `ctx.random()` gives its epoch. */
  constructor(ctx: Context) {
    this.epoch = Math.floor(ctx.random() * 2 ** 32).toString(36);
  }

  /** Calls in flight. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Sends `build(callId, replyTo)` to `to` (a `CallEnvelope`, or a message carrying the id as `id`) and arms a `call-timeout` after `timeoutMs`.
   * `payload` is what the caller needs back when the call ends (its request, an attempt).
   * The latency of answered calls goes to the histogram `call:<to>`.
   */
  call(ctx: Context, to: string, build: (callId: string, replyTo: number) => object, timeoutMs: number, payload: P): string {
    const callId = `${this.epoch}.${this.next++}`;
    ctx.send(to, build(callId, ctx.ref(ctx.selfName)));
    const timer = ctx.setTimer(timeoutMs, { type: 'call-timeout', callId } satisfies CallTimeout);
    this.open.set(callId, { payload, to, sentAt: ctx.now(), timer });
    return callId;
  }

  /** An answer: the call it settles (its timer cancelled), or undefined if none is open (late, or another incarnation's). */
  answered(ctx: Context, callId: string): Settled<P> | undefined {
    const c = this.take(ctx, callId);
    if (c === undefined) return undefined;
    const ms = ctx.now() - c.sentAt;
    ctx.observe(`call:${c.to}`, Math.max(0, ms));
    return { payload: c.payload, ms };
  }

  /**
   * A `$rejected` refusal of a call's message (the callee's runtime or its throttle refused it),
   * found by the message's `callId`, or its `id` (a permit request carries the call's id so).
   */
  rejected(ctx: Context, original: unknown): Settled<P> | undefined {
    const m = original as { callId?: unknown; id?: unknown } | null;
    const callId = typeof m?.callId === 'string' ? m.callId : m?.id;
    if (typeof callId !== 'string') return undefined;
    const c = this.take(ctx, callId);
    if (c === undefined) return undefined;
    ctx.count(`call.${c.to}.rejected`);
    return { payload: c.payload, ms: ctx.now() - c.sentAt };
  }

  /** The call's timer fired: the call, if it was still open (counted in `call.<to>.timeouts`). */
  timedOut(ctx: Context, t: CallTimeout): P | undefined {
    const c = this.open.get(t.callId);
    if (c === undefined) return undefined;
    this.open.delete(t.callId);
    ctx.count(`call.${c.to}.timeouts`);
    return c.payload;
  }

  private take(ctx: Context, callId: string): Open<P> | undefined {
    const c = this.open.get(callId);
    if (c === undefined) {
      ctx.count('call.lateAnswers');
      return undefined;
    }
    this.open.delete(callId);
    ctx.cancelTimer(c.timer);
    return c;
  }
}
