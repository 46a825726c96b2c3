// One API pod, thread-per-request as Spring Boot runs it: a request holds one of the pod's
// request threads from arrival to answer (or waits in the accept queue, or is refused with
// a 503), reads the merchant rule through the pod's local cache (the shared cache behind
// it), takes one of the pod's database connections (waiting up to the acquire timeout) and
// debits the ledger, retrying a debit whose answer did not come. The pools are the kit's
// bulkheads, the calls its PendingCalls, the cache its TtlCache: all on the actor's clock.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import { Bulkhead } from '../../actors/bulkhead.js';
import { PendingCalls, type CallTimeout } from '../../actors/calls.js';
import { TtlCache } from '../../actors/ttl-cache.js';
import { retryDecision, type RetryPolicy } from '../../actors/retries.js';
import { TokenBucket } from '../../actors/rate-limiter.js';
import type { PermitAnswer, PermitRequest } from '../../actors/limiter-service.js';
import { CONFIG_NAME, type IncidentParams } from './params.js';
import type { CacheEvict, ConfigValue, Debit, DebitResult, Quote, QuoteResult } from './backends.js';

/** A payment; `quote`: it needs an FX quote from the rate-limited acquirer first. */
export type Pay = { type: 'pay'; key: string; amount: number; quote: boolean; replyTo: number };
export type PaymentResponse = { type: 'payment-response'; key: string; status: 'debited' | 'unavailable'; configVersion?: number };
type Rejected = { type: '$rejected'; status: number; original: unknown };
type Tick = CallTimeout | { type: 'thread-wait' } | { type: 'conn-wait' } | { type: 'debit-retry'; id: string } | { type: 'quote-retry'; id: string };

/** What one pod remembers of a request while it holds a thread. */
interface Req {
  readonly msg: Pay;
  readonly arrivedAt: number;
  configVersion: number;
  attempt: number;
  holdsConnection: boolean;
  waitingSince: number;
  quoteAttempt: number;
  /** When it began to wait for a quote (its permit waits and Retry-Afters count against quoteMaxWaitMs). */
  quoteSince: number;
  /** The acquirer's last Retry-After for this request's quote ends then (this pod's clock). */
  notBefore: number;
}

type CallOf = { kind: 'config'; id: string; askedAt: number } | { kind: 'debit'; id: string } | { kind: 'permit'; id: string } | { kind: 'quote'; id: string };

interface PodState {
  readonly threads: Bulkhead<string>;
  readonly connections: Bulkhead<string>;
  readonly calls: PendingCalls<CallOf>;
  readonly cache: TtlCache<string, number>;
  readonly reqs: Map<string, Req>;
  /** The incident's limiter: this pod's own, as if it were the only caller. */
  readonly ownLimit: TokenBucket;
  /** Request ids are unique across this pod's restarts (the acquirer's record names calls by them). */
  readonly epoch: string;
  seq: number;
}

/** A pod's record of its calls to the acquirer: an attempt sent, or a refusal received with its Retry-After. */
export interface PartnerCallRow { readonly call: string; readonly retryAfterMs?: number }

/** A served request's record: which config version it acted on (the freshness check reads every write). */
export interface ReadRow { readonly config: string; readonly version: number }

export function apiPod(p: IncidentParams): Behaviour<PodState, Pay | ConfigValue | DebitResult | QuoteResult | PermitAnswer | CacheEvict | Rejected | Tick | RuntimeMessage> {
  const withoutKey = p.variant === 'retry-without-key';
  const storm = p.variant === 'retry-storm';
  const quoteRetry: RetryPolicy = { maxAttempts: p.quoteAttempts, delayMs: 100, backoff: 'exponential', jitter: 'full' };
  const debitRetry: RetryPolicy = { maxAttempts: p.debitAttempts, delayMs: p.debitRetryDelayMs, backoff: 'exponential', jitter: 'full' };

  const gauges = (s: PodState, ctx: Context) => {
    ctx.gauge(`${ctx.selfName}.threads.busy`, s.threads.active);
    ctx.gauge(`${ctx.selfName}.threads.queued`, s.threads.waiting);
    ctx.gauge(`${ctx.selfName}.dbPool.busy`, s.connections.active);
    ctx.gauge(`${ctx.selfName}.dbPool.pending`, s.connections.waiting);
  };

  const answer = (s: PodState, ctx: Context, id: string, status: PaymentResponse['status']) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    s.reqs.delete(id);
    ctx.send(r.msg.replyTo, { type: 'payment-response', key: r.msg.key, status, configVersion: r.configVersion } satisfies PaymentResponse);
    // Attempts per request, for the report: retries show as the share above 1.
    if (r.attempt > 0) ctx.record('debitAttempts', r.attempt);
    if (r.quoteAttempt > 0) ctx.record('quoteAttempts', r.quoteAttempt);
    if (status !== 'debited') ctx.count('api.unavailable');
    if (r.holdsConnection) releaseConnection(s, ctx);
    const { admitted, expired } = s.threads.exit(ctx.now());
    refuse(s, ctx, expired, 'threadWait');
    if (admitted !== undefined) begin(s, ctx, admitted);
  };

  /** Requests refused a thread (the accept queue full, or waited too long) or a connection (waited too long): 503. */
  const refuse = (s: PodState, ctx: Context, ids: readonly string[], what: 'acceptQueueFull' | 'threadWait' | 'poolWait') => {
    for (const id of ids) {
      const r = s.reqs.get(id);
      if (r === undefined) continue;
      if (what !== 'acceptQueueFull') ctx.observe(what, ctx.now() - r.waitingSince);
      ctx.count(what === 'acceptQueueFull' ? 'api.acceptQueueFull' : what === 'threadWait' ? 'api.threadQueueTimeouts' : 'api.poolTimeouts');
      if (what !== 'poolWait') {
        // It never held a thread: answered without giving one back.
        s.reqs.delete(id);
        ctx.send(r.msg.replyTo, { type: 'payment-response', key: r.msg.key, status: 'unavailable' } satisfies PaymentResponse);
        ctx.count('api.unavailable');
      } else answer(s, ctx, id, 'unavailable');
    }
  };

  const begin = (s: PodState, ctx: Context, id: string) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    ctx.observe('threadWait', ctx.now() - r.waitingSince);
    lookupConfig(s, ctx, id);
  };

  /** The merchant rule from the pod's cache, or asked of the config service (answered in `config-value`). */
  const lookupConfig = (s: PodState, ctx: Context, id: string) => {
    const cached = s.cache.get(CONFIG_NAME, ctx.now());
    if (cached !== undefined) {
      ctx.count('cache.l1Hits');
      withConfig(s, ctx, id, cached);
      return;
    }
    ctx.count('cache.l2Reads');
    s.calls.call(ctx, 'config', (callId, replyTo) => ({ type: 'get-config', name: CONFIG_NAME, callId, replyTo }), p.configTimeoutMs, { kind: 'config', id, askedAt: ctx.now() });
  };

  const withConfig = (s: PodState, ctx: Context, id: string, version: number) => {
    const r = s.reqs.get(id)!;
    r.configVersion = version;
    ctx.store.put<ReadRow>('reads', r.msg.key, { config: CONFIG_NAME, version });
    if (r.msg.quote) {
      r.quoteSince = ctx.now();
      askPermit(s, ctx, id);
    } else acquireConnection(s, ctx, id);
  };

  /** A permit to call the acquirer: from the fleet's shared limiter, or (the incident) from this pod's own. */
  const askPermit = (s: PodState, ctx: Context, id: string) => {
    if (!storm) {
      s.calls.call(ctx, 'quota', (callId, replyTo) => ({ type: 'permit-request', id: callId, replyTo }) satisfies PermitRequest, p.quoteTimeoutMs, { kind: 'permit', id });
      return;
    }
    if (s.ownLimit.tryAcquire(ctx.now())) callQuote(s, ctx, id);
    else quoteLater(s, ctx, id, s.ownLimit.waitMs(ctx.now()));
  };

  const callQuote = (s: PodState, ctx: Context, id: string) => {
    const r = s.reqs.get(id)!;
    // A Retry-After that came back after its attempt was given up on still holds.
    if (!storm && ctx.now() < r.notBefore) {
      quoteLater(s, ctx, id, r.notBefore - ctx.now());
      return;
    }
    r.quoteAttempt++;
    const call = `${ctx.selfName}/${id}`;
    ctx.store.put<PartnerCallRow>('acquirer_calls', `${call}#${r.quoteAttempt}`, { call });
    s.calls.call(ctx, 'acquirer', (callId, replyTo) => ({ type: 'quote', call, attempt: r.quoteAttempt, callId, replyTo }) satisfies Quote, p.quoteTimeoutMs, { kind: 'quote', id });
  };

  /** Waits `ms` (a permit's or a Retry-After's) and asks again, unless that runs past the payment's wait for its quote. */
  const quoteLater = (s: PodState, ctx: Context, id: string, ms: number) => {
    const r = s.reqs.get(id)!;
    if (ctx.now() + ms - r.quoteSince > p.quoteMaxWaitMs) {
      ctx.count('api.quoteGaveUp');
      answer(s, ctx, id, 'unavailable');
      return;
    }
    ctx.setTimer(Math.max(1, ms), { type: 'quote-retry', id });
  };

  /** A quote attempt failed: the fix retries by the policy (after any Retry-After, through the limiter); the incident at once. */
  const quoteFailed = (s: PodState, ctx: Context, id: string, failure: { kind: 'timeout' } | { kind: 'status'; status: number; retryAfterMs?: number }) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    if (storm) {
      // 429 taken for a failure and retried at once, no Retry-After, no permit: the retry storm.
      if (r.quoteAttempt < p.quoteAttempts) {
        ctx.count('api.quoteRetries');
        callQuote(s, ctx, id);
      } else answer(s, ctx, id, 'unavailable');
      return;
    }
    const d = retryDecision(quoteRetry, r.quoteAttempt, { ...failure, idempotent: true }, () => ctx.random());
    if (!d.retry) {
      answer(s, ctx, id, 'unavailable');
      return;
    }
    ctx.count('api.quoteRetries');
    quoteLater(s, ctx, id, d.delayMs);
  };

  const acquireConnection = (s: PodState, ctx: Context, id: string) => {
    const r = s.reqs.get(id)!;
    r.waitingSince = ctx.now();
    const a = s.connections.enter(id, ctx.now());
    if (a === 'admitted') connected(s, ctx, id);
    else if (a === 'queued') ctx.setTimer(p.dbAcquireTimeoutMs + 1, { type: 'conn-wait' });
    else refuse(s, ctx, [id], 'poolWait');
  };

  const connected = (s: PodState, ctx: Context, id: string) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    r.holdsConnection = true;
    ctx.observe('poolWait', ctx.now() - r.waitingSince);
    debit(s, ctx, id);
  };

  const releaseConnection = (s: PodState, ctx: Context) => {
    const { admitted, expired } = s.connections.exit(ctx.now());
    refuse(s, ctx, expired, 'poolWait');
    if (admitted !== undefined) connected(s, ctx, admitted);
  };

  const debit = (s: PodState, ctx: Context, id: string) => {
    const r = s.reqs.get(id)!;
    r.attempt++;
    // The idempotency key is the payment's own key; the incident's client minted a new id per attempt.
    const debitId = withoutKey ? `${r.msg.key}~${r.attempt}` : r.msg.key;
    s.calls.call(ctx, 'ledger', (callId, replyTo) => ({ type: 'debit', debitId, payment: r.msg.key, amount: r.msg.amount, callId, replyTo }) satisfies Debit, p.ledgerTimeoutMs, { kind: 'debit', id });
  };

  /** A debit that got no answer (or a refusal): retried by the policy, else the request fails. */
  const debitFailed = (s: PodState, ctx: Context, id: string, failure: { kind: 'timeout' } | { kind: 'status'; status: number }) => {
    const r = s.reqs.get(id);
    if (r === undefined) return;
    // With the key a second debit finds the first; without one the incident's code retried anyway, calling it safe.
    const decision = retryDecision(debitRetry, r.attempt, { ...failure, idempotent: true }, () => ctx.random());
    if (!decision.retry) {
      answer(s, ctx, id, 'unavailable');
      return;
    }
    ctx.count('api.debitRetries');
    ctx.setTimer(decision.delayMs, { type: 'debit-retry', id });
  };

  return {
    init: (ctx) => ({
      threads: new Bulkhead({ maxConcurrentCalls: p.threads, maxQueue: p.acceptQueue, maxWaitDurationMs: p.threadWaitMs }),
      // Every thread may wait for a connection: the pool's queue is as long as the thread pool.
      connections: new Bulkhead({ maxConcurrentCalls: p.dbPool, maxQueue: p.threads, maxWaitDurationMs: p.dbAcquireTimeoutMs }),
      calls: new PendingCalls<CallOf>(ctx),
      cache: new TtlCache<string, number>(p.variant === 'no-ttl-backstop' ? {} : { ttlMs: p.configTtlMs, jitterMs: p.configTtlJitterMs }),
      reqs: new Map(),
      ownLimit: new TokenBucket({ limitForPeriod: p.partnerLimit, limitRefreshPeriodMs: p.partnerWindowMs }),
      epoch: Math.floor(ctx.random() * 2 ** 32).toString(36),
      seq: 0,
    }),
    receive(s, m, ctx) {
      switch (m.type) {
        case 'pay': {
          const id = `${m.key}/${s.epoch}.${s.seq++}`;
          s.reqs.set(id, { msg: m, arrivedAt: ctx.now(), configVersion: 0, attempt: 0, holdsConnection: false, waitingSince: ctx.now(), quoteAttempt: 0, quoteSince: 0, notBefore: 0 });
          const a = s.threads.enter(id, ctx.now());
          if (a === 'admitted') begin(s, ctx, id);
          else if (a === 'queued') ctx.setTimer(p.threadWaitMs + 1, { type: 'thread-wait' });
          else refuse(s, ctx, [id], 'acceptQueueFull');
          break;
        }
        case 'config-value': {
          const c = s.calls.answered(ctx, m.callId);
          if (c === undefined || c.payload.kind !== 'config') break;
          s.cache.set(CONFIG_NAME, m.version, c.payload.askedAt, () => ctx.random());
          if (!s.reqs.has(c.payload.id)) break;
          // Read back through the cache: an answer handled after its TTL (the pod stalled) is expired on arrival, and asked for again.
          if (s.cache.get(CONFIG_NAME, ctx.now()) === undefined) lookupConfig(s, ctx, c.payload.id);
          else withConfig(s, ctx, c.payload.id, m.version);
          break;
        }
        case 'debit-result': {
          const c = s.calls.answered(ctx, m.callId);
          if (c !== undefined) answer(s, ctx, c.payload.id, 'debited');
          break;
        }
        case 'permit': {
          const c = s.calls.answered(ctx, m.id);
          if (c === undefined || !s.reqs.has(c.payload.id)) break;
          if (m.granted) callQuote(s, ctx, c.payload.id);
          else quoteLater(s, ctx, c.payload.id, m.retryAfterMs);
          break;
        }
        case 'quote-result': {
          const r = s.reqs.get(m.call.slice(m.call.indexOf('/') + 1));
          if (m.status === 429 && m.retryAfterMs !== undefined && r !== undefined) {
            // Recorded (and, by the fix, obeyed) even when the attempt was already given up on.
            ctx.store.put<PartnerCallRow>('acquirer_calls', `${m.callId}!`, { call: m.call, retryAfterMs: m.retryAfterMs });
            r.notBefore = Math.max(r.notBefore, ctx.now() + m.retryAfterMs);
          }
          const c = s.calls.answered(ctx, m.callId);
          if (c === undefined || !s.reqs.has(c.payload.id)) break;
          if (m.status === 200) acquireConnection(s, ctx, c.payload.id);
          else quoteFailed(s, ctx, c.payload.id, { kind: 'status', status: m.status, retryAfterMs: m.retryAfterMs });
          break;
        }
        case 'quote-retry':
          if (s.reqs.has(m.id)) askPermit(s, ctx, m.id);
          break;
        case '$rejected': {
          const c = s.calls.rejected(ctx, m.original);
          if (c === undefined) break;
          if (c.payload.kind === 'debit') debitFailed(s, ctx, c.payload.id, { kind: 'status', status: m.status });
          else if (c.payload.kind === 'quote') quoteFailed(s, ctx, c.payload.id, { kind: 'status', status: m.status });
          else answer(s, ctx, c.payload.id, 'unavailable');
          break;
        }
        case 'call-timeout': {
          const c = s.calls.timedOut(ctx, m);
          if (c === undefined) break;
          if (c.kind === 'debit') debitFailed(s, ctx, c.id, { kind: 'timeout' });
          else if (c.kind === 'quote') quoteFailed(s, ctx, c.id, { kind: 'timeout' });
          else answer(s, ctx, c.id, 'unavailable');
          break;
        }
        case 'debit-retry':
          if (s.reqs.has(m.id)) debit(s, ctx, m.id);
          break;
        case 'thread-wait':
          refuse(s, ctx, s.threads.expired(ctx.now()), 'threadWait');
          break;
        case 'conn-wait':
          refuse(s, ctx, s.connections.expired(ctx.now()), 'poolWait');
          break;
        case 'cache-evict':
          if (s.cache.evict(m.name)) ctx.count('cache.evictions');
          break;
      }
      gauges(s, ctx);
      return s;
    },
  };
}
