// seeds/003's API gateway: per client a sliding-window rate limit kept in a shared store
// (Redis in the seed), per service a circuit breaker and a bulkhead, reads retried with
// exponential back-off and jitter, creates never retried (the services take no idempotency
// key). Every policy is a kit value on the gateway's clock; the gauges draw the breaker's
// path, the bulkheads' occupancy and the retry rate on the run's timeline.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import { Bulkhead } from '../../actors/bulkhead.js';
import { CircuitBreaker, BREAKER_LEVEL, type BreakerState } from '../../actors/circuit-breaker.js';
import { PendingCalls, type CallTimeout } from '../../actors/calls.js';
import { SlidingWindowLimiter } from '../../actors/rate-limiter.js';
import { retryDecision, type RetryPolicy } from '../../actors/retries.js';
import type { PermitAnswer } from '../../actors/limiter-service.js';
import type { GrantRow, KeyedPermitRequest } from '../../actors/keyed-limiter.js';
import { ROUTES, type GatewayParams, type Route } from './params.js';
import type { ServiceCall, ServiceResult } from './services.js';

export type ClientRequest = { type: 'request'; key: string; client: string; route: Route; method: 'GET' | 'POST'; replyTo: number };
/** `created` a create went through, `ok` a read did; the rest say who refused it. */
export type Outcome = 'created' | 'ok' | 'rate-limited' | 'circuit-open' | 'bulkhead-full' | 'failed';
export type GatewayResponse = { type: 'response'; key: string; status: Outcome; route: Route };
type Rejected = { type: '$rejected'; status: number; original: unknown };
/** A request the gateway sent on past the limit, and the grant that let it. */
export interface AdmittedRow { readonly client: string; readonly request: string; readonly grant: string }
export const ADMITTED_TABLE = 'admitted';
type Tick = CallTimeout | { type: 'bulkhead-wait'; route: Route } | { type: 'retry'; id: string };

interface Req {
  readonly msg: ClientRequest;
  readonly arrivedAt: number;
  attempt: number;
}

type CallOf = { kind: 'permit'; id: string } | { kind: 'service'; id: string };

interface GatewayState {
  readonly calls: PendingCalls<CallOf>;
  readonly reqs: Map<string, Req>;
  readonly breakers: Record<Route, CircuitBreaker>;
  /** One per service, or one for all (the shared-pool alternative). */
  readonly bulkheads: Record<Route, Bulkhead<string>>;
  /** The in-memory-limiter variant's windows, lost with the gateway. */
  readonly local: Map<string, SlidingWindowLimiter>;
  readonly retryTimes: number[];
  readonly epoch: string;
  seq: number;
}

export function gatewayBehaviour(p: GatewayParams): Behaviour<GatewayState, ClientRequest | PermitAnswer | ServiceResult | Rejected | Tick | RuntimeMessage> {
  const retryCreates = p.variant === 'retry-non-idempotent';
  const inMemoryLimit = p.variant === 'in-memory-limiter';
  const failOpen = p.variant === 'fail-open';
  const sharedPool = p.variant === 'shared-pool';
  const jitter = p.variant === 'no-jitter' ? 0 : p.retryJitterMs;
  const retry: RetryPolicy = { maxAttempts: p.retryAttempts, delayMs: p.retryDelayMs, backoff: 'exponential', maxDelayMs: 30_000, jitter: p.retryJitter === 'full' && p.variant !== 'no-jitter' ? 'full' : 'none' };

  const answer = (s: GatewayState, ctx: Context, id: string, status: Outcome) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    s.reqs.delete(id);
    ctx.send(r.msg.replyTo, { type: 'response', key: r.msg.key, status, route: r.msg.route } satisfies GatewayResponse);
    ctx.observe(`route:${r.msg.route}`, ctx.now() - r.arrivedAt);
    // Served: what the capacity counts (a fast refusal is an answer, not a request served).
    if (status === 'ok' || status === 'created') ctx.count('gateway.served');
    else ctx.count(`gateway.${status}`);
    if (r.attempt > 0) ctx.record('attempts', r.attempt);
  };

  const gauges = (s: GatewayState, ctx: Context) => {
    const now = ctx.now();
    for (const route of ROUTES) {
      ctx.gauge(`breaker.${route}`, BREAKER_LEVEL[s.breakers[route].state(now)]);
      // One pool for all (the shared-pool alternative) is one gauge, not the same one thrice.
      if (!sharedPool) ctx.gauge(`bulkhead.${route}.active`, s.bulkheads[route].active);
    }
    if (sharedPool) ctx.gauge('bulkhead.shared.active', s.bulkheads[ROUTES[0]].active);
    // Retries started in the last 100 ms: a herd shows as a peak.
    while (s.retryTimes.length > 0 && s.retryTimes[0] <= now - 100) s.retryTimes.shift();
    ctx.gauge('retriesPer100ms', s.retryTimes.length);
  };

  /**
   * Past the rate limit (by grant `grant`): recorded as admitted, in the transaction that sends
   * it on (what the limit check matches to the limit store's grants); then dispatched.
   */
  const admit = (s: GatewayState, ctx: Context, id: string, grant: string) => {
    const r = s.reqs.get(id)!;
    ctx.store.put<AdmittedRow>(ADMITTED_TABLE, id, { client: r.msg.client, request: r.msg.key, grant });
    dispatch(s, ctx, id);
  };

  /** Admitted (or retried): the breaker (fast fail when open), then the service's bulkhead. */
  const dispatch = (s: GatewayState, ctx: Context, id: string) => {
    const r = s.reqs.get(id)!;
    if (s.breakers[r.msg.route].state(ctx.now()) === 'OPEN') {
      answer(s, ctx, id, 'circuit-open');
      return;
    }
    const a = s.bulkheads[r.msg.route].enter(id, ctx.now());
    if (a === 'admitted') callService(s, ctx, id);
    else if (a === 'queued') ctx.setTimer(p.bulkheadWaitMs + 1, { type: 'bulkhead-wait', route: r.msg.route });
    else answer(s, ctx, id, 'bulkhead-full');
  };

  /** Holding a bulkhead slot: the breaker's permission (half-open lets only its probes through), then the call. */
  const callService = (s: GatewayState, ctx: Context, id: string) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    if (!s.breakers[r.msg.route].tryAcquirePermission(ctx.now())) {
      leave(s, ctx, r.msg.route);
      answer(s, ctx, id, 'circuit-open');
      return;
    }
    r.attempt++;
    s.calls.call(ctx, r.msg.route, (callId, replyTo) => ({ type: 'call', route: r.msg.route, method: r.msg.method, key: r.msg.key, admission: id, callId, replyTo }) satisfies ServiceCall, p.callTimeoutMs, { kind: 'service', id });
  };

  /** A slot freed: the next waiting call goes in; those that waited too long are refused. */
  const leave = (s: GatewayState, ctx: Context, route: Route) => {
    const { admitted, expired } = s.bulkheads[route].exit(ctx.now());
    for (const e of expired) answer(s, ctx, e, 'bulkhead-full');
    if (admitted !== undefined) callService(s, ctx, admitted);
  };

  /** A call ended without a good answer: reads are retried by the policy; creates never (a create may have happened). */
  const failed = (s: GatewayState, ctx: Context, id: string, failure: { kind: 'timeout' } | { kind: 'status'; status: number }) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    const idempotent = r.msg.method === 'GET' || retryCreates;
    const d = retryDecision(retry, r.attempt, { ...failure, idempotent }, () => ctx.random());
    if (!d.retry) {
      answer(s, ctx, id, failure.kind === 'status' && failure.status === 429 ? 'rate-limited' : 'failed');
      return;
    }
    ctx.count('gateway.retries');
    // The seed's jitter: 0–retryJitterMs added to the exponential delay (full jitter drew its delay already).
    ctx.setTimer(d.delayMs + (p.retryJitter === 'additive' ? ctx.random() * jitter : 0), { type: 'retry', id });
  };

  return {
    init: (ctx) => {
      const breakers = {} as Record<Route, CircuitBreaker>;
      for (const route of ROUTES) {
        breakers[route] = new CircuitBreaker({
          failureRateThreshold: p.breakerFailureRate, minimumNumberOfCalls: p.breakerMinimumCalls, slidingWindowSize: p.breakerWindow,
          waitDurationInOpenStateMs: p.breakerOpenMs, permittedNumberOfCallsInHalfOpenState: 1,
        }, (to: BreakerState) => ctx.count(`breaker.${route}.${to}`));
      }
      const pool = () => new Bulkhead<string>({ maxConcurrentCalls: p.bulkheadSize, maxQueue: p.bulkheadQueue, maxWaitDurationMs: p.bulkheadWaitMs });
      const shared = p.variant === 'shared-pool' ? new Bulkhead<string>({ maxConcurrentCalls: p.bulkheadSize * ROUTES.length, maxQueue: p.bulkheadQueue * ROUTES.length, maxWaitDurationMs: p.bulkheadWaitMs }) : undefined;
      const bulkheads = {} as Record<Route, Bulkhead<string>>;
      for (const route of ROUTES) bulkheads[route] = shared ?? pool();
      return { calls: new PendingCalls<CallOf>(ctx), reqs: new Map(), breakers, bulkheads, local: new Map(), retryTimes: [], epoch: Math.floor(ctx.random() * 2 ** 32).toString(36), seq: 0 };
    },
    receive(s, m, ctx) {
      switch (m.type) {
        case 'request': {
          const id = `${s.epoch}.${s.seq++}`;
          s.reqs.set(id, { msg: m, arrivedAt: ctx.now(), attempt: 0 });
          if (!inMemoryLimit) {
            s.calls.call(ctx, 'ratelimit', (callId, replyTo) => ({ type: 'permit-request', id: callId, key: m.client, replyTo }) satisfies KeyedPermitRequest, p.callTimeoutMs, { kind: 'permit', id });
            break;
          }
          // The variant: windows in the gateway's memory (its grants recorded as the shared store records them).
          let w = s.local.get(m.client);
          if (w === undefined) s.local.set(m.client, (w = new SlidingWindowLimiter({ maxCalls: p.rateLimitMax, windowMs: p.rateLimitWindowMs })));
          if (w.tryAcquire(ctx.now())) {
            ctx.store.put<GrantRow>('grants', `${m.client}#${id}`, { key: m.client, at: ctx.now(), id });
            admit(s, ctx, id, id);
          } else answer(s, ctx, id, 'rate-limited');
          break;
        }
        case 'permit': {
          const c = s.calls.answered(ctx, m.id);
          if (c === undefined || !s.reqs.has(c.payload.id)) break;
          if (m.granted) admit(s, ctx, c.payload.id, m.id);
          else answer(s, ctx, c.payload.id, 'rate-limited');
          break;
        }
        case 'service-result': {
          const c = s.calls.answered(ctx, m.callId);
          const r = c === undefined ? undefined : s.reqs.get(c.payload.id);
          if (c === undefined || r === undefined) break;
          const route = r.msg.route;
          // A 429 is the service's throttle, not its failure: the breaker does not hear it.
          if (m.status >= 500) s.breakers[route].onError(ctx.now());
          else if (m.status !== 429) s.breakers[route].onSuccess(ctx.now());
          leave(s, ctx, route);
          if (m.status === 200) answer(s, ctx, c.payload.id, r.msg.method === 'POST' ? 'created' : 'ok');
          else failed(s, ctx, c.payload.id, { kind: 'status', status: m.status });
          break;
        }
        case '$rejected': {
          const c = s.calls.rejected(ctx, m.original);
          const r = c === undefined ? undefined : s.reqs.get(c.payload.id);
          if (c === undefined || r === undefined) break;
          if (c.payload.kind === 'permit') {
            // The limit store refused to answer: fail closed (the fail-open variant lets it through).
            if (failOpen) admit(s, ctx, c.payload.id, 'none: the limit store refused');
            else answer(s, ctx, c.payload.id, 'failed');
            break;
          }
          if (m.status >= 500) s.breakers[r.msg.route].onError(ctx.now());
          leave(s, ctx, r.msg.route);
          failed(s, ctx, c.payload.id, { kind: 'status', status: m.status });
          break;
        }
        case 'call-timeout': {
          const c = s.calls.timedOut(ctx, m);
          const r = c === undefined ? undefined : s.reqs.get(c.id);
          if (c === undefined || r === undefined) break;
          if (c.kind === 'permit') {
            if (failOpen) admit(s, ctx, c.id, 'none: the limit store did not answer');
            else answer(s, ctx, c.id, 'failed');
            break;
          }
          s.breakers[r.msg.route].onError(ctx.now());
          leave(s, ctx, r.msg.route);
          failed(s, ctx, c.id, { kind: 'timeout' });
          break;
        }
        case 'retry':
          if (!s.reqs.has(m.id)) break;
          s.retryTimes.push(ctx.now());
          dispatch(s, ctx, m.id);
          break;
        case 'bulkhead-wait':
          for (const e of s.bulkheads[m.route].expired(ctx.now())) answer(s, ctx, e, 'bulkhead-full');
          break;
      }
      gauges(s, ctx);
      return s;
    },
  };
}
