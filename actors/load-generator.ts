// The kit's open-loop load generator: the callers of a pipeline. Requests arrive by an
// arrival profile whatever the service does (a slow service cannot slow its own load),
// each with an idempotency key; a request unanswered after the client timeout is sent
// again under the same key (up to the attempts allowed), a 429 is retried after a
// growing back-off, and a share of requests is submitted twice at once (a double
// click). Latency counts from the request's *intended* arrival, so a stalled service
// cannot hide its delay (no coordinated omission). Its state tells the runtime how far
// the load is and the checks what each caller was told (`load`).
import { z } from 'zod';
import type { Behaviour, Context, LoadView } from '../runtime/contract.js';
import { SeqMap } from '../runtime/sim/seq-map.js';
import { arrivalProfileSchema, expectedDurationMs, nextArrivalMs, type ArrivalProfile } from './arrivals.js';
import { keyNumbering, type KeyNumbering } from './keys.js';

/** The load every scenario takes (flags --count, --rate, --arrival; the rest by --param). */
export const loadParamsShape = {
  /** Requests offered in all. */
  count: z.number().int().min(0),
  /** Mean arrival rate, requests per second (the base of the arrival profile). */
  ratePerSec: z.number().positive(),
  arrival: arrivalProfileSchema,
  /** A request unanswered this long is sent again under the same key. */
  clientTimeoutMs: z.number().positive(),
  /** Attempts per request, the first included; then the caller gives up. */
  clientAttemptsMax: z.number().int().positive(),
  /** Share of requests submitted a second time with the same key (a double click). */
  duplicateRate: z.number().min(0).max(1),
  /** The second submission comes up to this long after the first. */
  duplicateDelayMsMax: z.number().positive(),
};

export interface LoadParams {
  readonly count: number;
  readonly ratePerSec: number;
  readonly arrival: ArrivalProfile;
  readonly clientTimeoutMs: number;
  readonly clientAttemptsMax: number;
  readonly duplicateRate: number;
  readonly duplicateDelayMsMax: number;
}

export const LOAD_DEFAULTS: LoadParams = {
  count: 1_000, ratePerSec: 100, arrival: { kind: 'poisson' }, clientTimeoutMs: 10_000, clientAttemptsMax: 3, duplicateRate: 0, duplicateDelayMsMax: 3_000,
};

/** A request as the generator sends it: the service answers `replyTo` with the same `key`. */
export interface LoadRequest {
  readonly key: string;
  readonly replyTo: number;
}

export interface LoadGeneratorOptions<Req extends LoadRequest> {
  /** The actor the requests go to. */
  readonly target: string;
  readonly load: LoadParams;
  /** Keys are `<keyPrefix>-<n>` (default "req"). */
  readonly keyPrefix?: string;
  /** Request number n, under `key`, answered to `replyTo`, intended at `intendedAtMs` (draws from ctx.random are repeatable). */
  request(n: number, key: string, replyTo: number, intendedAtMs: number, ctx: Context): Req;
  /** The type of the answers (default "response"); an answer carries the request's `key`. */
  readonly responseType?: string;
  /** The answer's field holding its outcome (default "status"). */
  readonly outcomeField?: string;
  /** Outcomes that mean the service created something for the request (default: every answer). */
  created?(outcome: string): boolean;
  /** The response-time histogram (default "response"). */
  readonly metric?: string;
  /** The key a retry goes out under (default: the same). A client minting a fresh one is a classic bug. */
  retryKey?(key: string, attempt: number): string;
}

interface Outstanding<Req> {
  request: Req;
  readonly n: number;
  readonly intendedAt: number;
  attempts: number;
  sentAt: number;
}

/** What request n was told: nothing yet, an answer that created something, one that did not, or the caller gave up. */
const NONE = 0;
const CREATED = 1;
const ANSWERED = 2;
const GAVE_UP = 3;

export interface LoadGeneratorState<Req> {
  next: number;
  nextAt: number;
  /** By request number: numbers come in order and leave mostly in order (a SeqMap, not a Map). */
  readonly outstanding: Map<number, Outstanding<Req>>;
  sweeping: boolean;
  readonly told: Uint8Array;
  readonly answers: Record<string, number>;
  gaveUp: number;
  /** Keys of retries that are not the request's own key, to the key they stand for. */
  readonly aliases: Map<string, string>;
}

type LoadMessage<Req> =
  | { type: 'load-arrive' }
  | { type: 'load-duplicate'; request: Req }
  | { type: 'load-sweep' }
  | { type: 'load-retry'; key: string }
  | { type: '$rejected'; status: number; original: { key?: unknown } }
  | { type: string; key?: unknown };

/**
 * Requests due within this long of the clock go out in one burst, each sent ahead to leave
 * at its own intended time: one timer per burst instead of one per request.
 */
const LOOKAHEAD_MS = 10;

export function loadGenerator<Req extends LoadRequest>(o: LoadGeneratorOptions<Req>): Behaviour<LoadGeneratorState<Req>, LoadMessage<Req>> {
  const load = o.load;
  const keys: KeyNumbering = keyNumbering(o.keyPrefix ?? 'req');
  const responseType = o.responseType ?? 'response';
  const outcomeField = o.outcomeField ?? 'status';
  const metric = o.metric ?? 'response';
  const plannedMs = expectedDurationMs(load.arrival, load.ratePerSec, load.count);
  const next = (ctx: Context, t: number) => nextArrivalMs(load.arrival, load.ratePerSec, t, () => ctx.random());

  const numberOf = (s: LoadGeneratorState<Req>, key: string) => keys.numberOf(s.aliases.get(key) ?? key);

  /** Sends `w` (again), now or `aheadMs` from now. */
  const send = (s: LoadGeneratorState<Req>, ctx: Context, w: Outstanding<Req>, aheadMs = 0) => {
    if (w.attempts > 0 && o.retryKey !== undefined) {
      const own = keys.keyOf(w.n);
      const key = o.retryKey(own, w.attempts);
      if (key !== w.request.key) {
        if (key !== own) s.aliases.set(key, own);
        w.request = { ...w.request, key };
      }
    }
    w.attempts++;
    // A late burst (the generator was paused) sends now: its time-out counts from now.
    w.sentAt = ctx.now() + Math.max(0, aheadMs);
    if (aheadMs > 0) ctx.sendAfter(aheadMs, o.target, w.request);
    else ctx.send(o.target, w.request);
  };

  /** The request still waiting under `key` (an answer to a key it no longer uses finds none). */
  const waitingFor = (s: LoadGeneratorState<Req>, key: unknown): Outstanding<Req> | undefined => {
    if (typeof key !== 'string') return undefined;
    const w = s.outstanding.get(numberOf(s, key));
    return w !== undefined && w.request.key === key ? w : undefined;
  };

  const armSweep = (s: LoadGeneratorState<Req>, ctx: Context) => {
    if (s.sweeping) return;
    s.sweeping = true;
    ctx.setTimer(load.clientTimeoutMs / 2, { type: 'load-sweep' });
  };

  const giveUp = (s: LoadGeneratorState<Req>, ctx: Context, w: Outstanding<Req>) => {
    s.outstanding.delete(w.n);
    if (s.told[w.n] !== NONE) return;
    s.told[w.n] = GAVE_UP;
    s.gaveUp++;
    // A request never answered still counts in response time: the caller waited that long for nothing.
    ctx.observe(metric, ctx.now() - w.intendedAt);
  };

  const view = (s: LoadGeneratorState<Req>): LoadView => ({
    planned: load.count,
    offered: s.next - 1,
    outstanding: s.outstanding.size,
    plannedMs,
    metric,
    waiting: () => [...s.outstanding.values()].filter((w) => s.told[w.n] === NONE).map((w) => w.intendedAt),
    keyOf: keys.keyOf,
    numberOf: (key) => keys.numberOf(key),
    created: (n) => s.told[n] === CREATED,
    logicalKeyOf: (key) => s.aliases.get(key) ?? key,
    answers: s.answers,
    gaveUp: s.gaveUp,
  });

  return {
    init: () => ({
      next: 1, nextAt: 0, outstanding: new SeqMap(), sweeping: false,
      told: new Uint8Array(load.count + 1), answers: {}, gaveUp: 0, aliases: new Map(),
    }),
    load: view,
    loadTarget: o.target,
    pending: (s) => s.outstanding.size,
    receive(s, msg, ctx) {
      switch (msg.type) {
        case '$started':
          // A restarted generator does not start its load over (its callers are gone with it).
          if (!(msg as { restart?: boolean }).restart && load.count > 0) {
            s.nextAt = next(ctx, ctx.now());
            ctx.setTimer(s.nextAt - ctx.now(), { type: 'load-arrive' });
          }
          return s;
        case 'load-arrive': {
          const now = ctx.now();
          const me = ctx.ref(ctx.selfName);
          for (;;) {
            const n = s.next++;
            const at = s.nextAt;
            const request = o.request(n, keys.keyOf(n), me, at, ctx);
            const w: Outstanding<Req> = { request, n, intendedAt: at, attempts: 0, sentAt: 0 };
            s.outstanding.set(n, w);
            send(s, ctx, w, at - now);
            armSweep(s, ctx);
            if (load.duplicateRate > 0 && ctx.random() < load.duplicateRate) {
              ctx.setTimer(at - now + ctx.random() * load.duplicateDelayMsMax, { type: 'load-duplicate', request });
            }
            if (s.next > load.count) break;
            s.nextAt = next(ctx, at);
            if (s.nextAt - now >= LOOKAHEAD_MS) {
              ctx.setTimer(s.nextAt - now, { type: 'load-arrive' });
              break;
            }
          }
          return s;
        }
        case 'load-duplicate':
          // The caller submits again: the same request and key, answered or not.
          ctx.send(o.target, (msg as { request: Req }).request);
          return s;
        case '$rejected': {
          // 429: back off (longer each attempt) and retry with the same key.
          const w = waitingFor(s, (msg as { original: { key?: unknown } }).original?.key);
          if (w !== undefined) ctx.setTimer(100 * 2 ** Math.min(w.attempts, 6) * (0.5 + ctx.random()), { type: 'load-retry', key: w.request.key });
          return s;
        }
        case 'load-retry': {
          const w = waitingFor(s, (msg as { key: string }).key);
          if (w === undefined) return s;
          if (w.attempts < load.clientAttemptsMax) send(s, ctx, w);
          else giveUp(s, ctx, w);
          return s;
        }
        case 'load-sweep': {
          s.sweeping = false;
          const now = ctx.now();
          for (const w of s.outstanding.values()) {
            if (now - w.sentAt < load.clientTimeoutMs) continue;
            if (w.attempts < load.clientAttemptsMax) send(s, ctx, w);
            else giveUp(s, ctx, w);
          }
          if (s.outstanding.size > 0) armSweep(s, ctx);
          return s;
        }
        default: {
          if (msg.type !== responseType) return s;
          const w = waitingFor(s, (msg as { key?: unknown }).key);
          if (w === undefined) return s;
          s.outstanding.delete(w.n);
          if (s.told[w.n] !== NONE) return s;
          const outcome = String((msg as Record<string, unknown>)[outcomeField] ?? 'answered');
          s.told[w.n] = o.created === undefined || o.created(outcome) ? CREATED : ANSWERED;
          s.answers[outcome] = (s.answers[outcome] ?? 0) + 1;
          ctx.observe(metric, ctx.now() - w.intendedAt);
          return s;
        }
      }
    },
  };
}
