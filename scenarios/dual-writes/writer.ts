// seeds/003's DualDatabaseWriter: a write goes to every database in parallel, each behind a
// circuit breaker of its own; the databases that failed (an error, a timeout, an open
// breaker) are queued on the failed-writes topic for the retrier, and the caller is told
// `committed` (every database has it) or `accepted` (some will, or it will be compensated).
//
// What the seed leaves out and a crash needs: the writer records its intent (a pending row)
// in the same transaction that sends the writes, and on restart drives every pending write
// again (the databases' writes are idempotent), so a crash between the writes and the
// queueing cannot leave the databases disagreeing for good.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import { CircuitBreaker, BREAKER_LEVEL, type BreakerState } from '../../actors/circuit-breaker.js';
import { PendingCalls, type CallTimeout } from '../../actors/calls.js';
import { DATABASES, type Database, type DualWritesParams } from './params.js';
import type { DbResult, DbWrite } from './databases.js';

export const FAILED_WRITES = 'failed-writes';

export type WriteRequest = { type: 'write'; key: string; data: number; replyTo: number };
export type WriteResponse = { type: 'write-result'; key: string; status: 'committed' | 'accepted' };
/** A write some databases did not take: the retrier's work. */
export interface FailedWrite { readonly writeId: string; readonly data: number; readonly failed: readonly Database[]; readonly firstAt: number }

/** A write begun; `queued` once its failed databases were handed to the retriers (in that same transaction). */
interface PendingRow { readonly data: number; readonly at: number; readonly queued?: FailedWrite }
interface OutcomeRow { readonly status: WriteResponse['status'] }

interface InFlight {
  readonly data: number;
  readonly waiters: number[];
  readonly results: Map<Database, boolean>;
  firstAckAt?: number;
  queued?: FailedWrite;
}

interface WriterState {
  readonly calls: PendingCalls<{ writeId: string; db: Database }>;
  readonly writes: Map<string, InFlight>;
  readonly breakers: Record<Database, CircuitBreaker>;
}

type Retry = { type: 'queue-again'; writeId: string };

export function writerBehaviour(p: DualWritesParams): Behaviour<WriterState, WriteRequest | DbResult | CallTimeout | Retry | RuntimeMessage> {
  // The variant tells the caller `accepted` as soon as it hands the failed databases to the
  // producer, and forgets the write: a record the broker never took is a repair never made.
  const fireAndForget = p.variant === 'answer-before-queued';

  /** To the retriers; the write id is the produce's token, so `$produced` names the write. */
  const queue = (ctx: Context, q: FailedWrite) => ctx.produce(FAILED_WRITES, q.writeId, q, q.writeId);

  const start = (s: WriterState, ctx: Context, writeId: string, data: number, waiters: number[]) => {
    const w: InFlight = { data, waiters, results: new Map() };
    s.writes.set(writeId, w);
    for (const db of DATABASES) {
      if (!s.breakers[db].tryAcquirePermission(ctx.now())) {
        ctx.count(`writer.${db}.breakerOpen`);
        w.results.set(db, false);
        continue;
      }
      s.calls.call(ctx, db, (callId, replyTo) => ({ type: 'db-write', writeId, data, callId, replyTo }) satisfies DbWrite, p.callTimeoutMs, { writeId, db });
    }
    settle(s, ctx, writeId);
  };

  const answer = (ctx: Context, writeId: string, w: InFlight, status: WriteResponse['status']) => {
    ctx.store.delete('pending', writeId);
    ctx.store.put<OutcomeRow>('outcomes', writeId, { status });
    for (const to of w.waiters) ctx.send(to, { type: 'write-result', key: writeId, status } satisfies WriteResponse);
    ctx.count('writes.answered');
    ctx.count(`writes.${status}`);
  };

  /** Every database answered (or failed): done, or the failed ones go to the retrier. */
  const settle = (s: WriterState, ctx: Context, writeId: string) => {
    const w = s.writes.get(writeId);
    if (w === undefined || w.results.size < DATABASES.length || w.queued !== undefined) return;
    const failed = DATABASES.filter((db) => !w.results.get(db));
    if (failed.length === 0) {
      s.writes.delete(writeId);
      ctx.observe('inconsistency', ctx.now() - (w.firstAckAt ?? ctx.now()));
      answer(ctx, writeId, w, 'committed');
      return;
    }
    w.queued = { writeId, data: w.data, failed, firstAt: w.firstAckAt ?? ctx.now() };
    // Recorded with the produce: a writer that restarts before the broker's answer must not
    // write the databases again and call the write committed, when the retriers may be undoing it.
    if (!fireAndForget) ctx.store.put<PendingRow>('pending', writeId, { data: w.data, at: ctx.now(), queued: w.queued });
    queue(ctx, w.queued);
    if (fireAndForget) {
      s.writes.delete(writeId);
      answer(ctx, writeId, w, 'accepted');
    }
  };

  const gauges = (s: WriterState, ctx: Context) => {
    for (const db of DATABASES) ctx.gauge(`breaker.${db}`, BREAKER_LEVEL[s.breakers[db].state(ctx.now())]);
    ctx.gauge('writer.inFlight', s.writes.size);
  };

  const ended = (s: WriterState, ctx: Context, writeId: string, db: Database, ok: boolean) => {
    const w = s.writes.get(writeId);
    if (w === undefined) return;
    if (ok && w.firstAckAt === undefined) w.firstAckAt = ctx.now();
    w.results.set(db, ok);
    settle(s, ctx, writeId);
  };

  return {
    init: (ctx) => {
      const breakers = {} as Record<Database, CircuitBreaker>;
      for (const db of DATABASES) {
        breakers[db] = new CircuitBreaker({
          failureRateThreshold: p.breakerFailureRate, minimumNumberOfCalls: p.breakerMinimumCalls, slidingWindowSize: Math.max(20, p.breakerMinimumCalls),
          waitDurationInOpenStateMs: p.breakerOpenMs, permittedNumberOfCallsInHalfOpenState: 3,
        }, (to: BreakerState) => ctx.count(`breaker.${db}.${to}`));
      }
      return { calls: new PendingCalls(ctx), writes: new Map(), breakers };
    },
    receive(s, m, ctx) {
      switch (m.type) {
        case '$started': {
          // Drive again every write this writer had begun and not handed over.
          for (const [key, row] of ctx.store.scan<PendingRow>('pending', Number.MAX_SAFE_INTEGER)) {
            const writeId = String(key);
            if (s.writes.has(writeId)) continue;
            if (row.queued === undefined) {
              start(s, ctx, writeId, row.data, []);
              continue;
            }
            // Handed to the retriers already (perhaps twice now: they take a write's fate once).
            s.writes.set(writeId, { data: row.data, waiters: [], results: new Map(), queued: row.queued });
            queue(ctx, row.queued);
          }
          break;
        }
        case 'write': {
          const done = ctx.store.get<OutcomeRow>('outcomes', m.key);
          if (done !== undefined) {
            ctx.send(m.replyTo, { type: 'write-result', key: m.key, status: done.status } satisfies WriteResponse);
            break;
          }
          const w = s.writes.get(m.key);
          if (w !== undefined) {
            w.waiters.push(m.replyTo);
            break;
          }
          ctx.store.put<PendingRow>('pending', m.key, { data: m.data, at: ctx.now() });
          start(s, ctx, m.key, m.data, [m.replyTo]);
          break;
        }
        case 'db-result': {
          const c = s.calls.answered(ctx, m.callId);
          if (c === undefined) break;
          // A database's failure trips its breaker; a tombstone's refusal is an answer, not a failure.
          if (m.status === 503) s.breakers[c.payload.db].onError(ctx.now());
          else s.breakers[c.payload.db].onSuccess(ctx.now());
          ended(s, ctx, c.payload.writeId, c.payload.db, m.status === 'ok');
          break;
        }
        case 'call-timeout': {
          const c = s.calls.timedOut(ctx, m);
          if (c === undefined) break;
          s.breakers[c.db].onError(ctx.now());
          ended(s, ctx, c.writeId, c.db, false);
          break;
        }
        case '$produced': {
          for (const t of m.tokens) {
            const w = s.writes.get(String(t));
            if (w === undefined || w.queued === undefined) continue;
            s.writes.delete(String(t));
            answer(ctx, String(t), w, 'accepted');
          }
          break;
        }
        case '$produceFailed': {
          if (fireAndForget) {
            ctx.count('writer.queueingLost', m.tokens.length);
            break;
          }
          for (const t of m.tokens) ctx.setTimer(p.retryDelayMs, { type: 'queue-again', writeId: String(t) } satisfies Retry);
          break;
        }
        case 'queue-again': {
          const w = s.writes.get(m.writeId);
          if (w?.queued !== undefined) queue(ctx, w.queued);
          break;
        }
      }
      gauges(s, ctx);
      return s;
    },
  };
}
