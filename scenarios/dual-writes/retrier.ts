// seeds/003's failed-writes consumer: each queued write is written again to the databases
// that missed it, with exponential back-off; once a database's attempts are spent the write
// is compensated (deleted from every database, each delete retried until it is done) and
// dead-lettered. Its offset is committed only when the write is settled, so a retrier that
// crashes leaves the record to be taken again (by itself or another member of the group).
import type { Behaviour, Context, RecordsMessage, RuntimeMessage } from '../../runtime/contract.js';
import { OffsetTracker } from '../../actors/offset-tracker.js';
import { PendingCalls, type CallTimeout } from '../../actors/calls.js';
import { deadLetter, retryDelayMs, type RetryPolicy } from '../../actors/retries.js';
import { DATABASES, type Database, type DualWritesParams } from './params.js';
import type { DbDelete, DbResult, DbWrite } from './databases.js';
import { FAILED_WRITES, type FailedWrite } from './writer.js';

export const DEAD_LETTERS = 'failed-writes-dlq';

interface Job {
  readonly rec: FailedWrite;
  readonly offset: { topic: string; partition: number; offset: number };
  /** Databases still to write, with the attempts spent on each. */
  readonly missing: Map<Database, number>;
  /** Set once the write is being undone: databases still to delete from, with attempts. */
  undoing?: Map<Database, number>;
  dead?: boolean;
}

interface RetrierState {
  readonly tracker: OffsetTracker;
  readonly calls: PendingCalls<{ job: number; db: Database; op: 'write' | 'delete' }>;
  readonly jobs: Map<number, Job>;
  next: number;
}

interface CompensatingRow { readonly at: number; readonly why: string }

type Again = { type: 'again'; job: number; db: Database };

export function retrierBehaviour(p: DualWritesParams): Behaviour<RetrierState, DbResult | CallTimeout | Again | RuntimeMessage> {
  const policy: RetryPolicy = { maxAttempts: p.retryAttempts, delayMs: p.retryDelayMs, backoff: 'exponential', maxDelayMs: p.retryMaxDelayMs, jitter: 'equal' };
  const compensate = p.variant !== 'no-compensation';

  const attempt = (s: RetrierState, ctx: Context, id: number, db: Database) => {
    const job = s.jobs.get(id)!;
    const op = job.undoing !== undefined ? 'delete' : 'write';
    const tries = op === 'delete' ? job.undoing! : job.missing;
    tries.set(db, (tries.get(db) ?? 0) + 1);
    const { writeId, data } = job.rec;
    s.calls.call(ctx, db, (callId, replyTo) => (op === 'write' ? { type: 'db-write', writeId, data, callId, replyTo } satisfies DbWrite : { type: 'db-delete', writeId, callId, replyTo } satisfies DbDelete), p.callTimeoutMs, { job: id, db, op });
  };

  /** Undo the write everywhere (the databases that took it and the ones that may yet have). */
  const undo = (s: RetrierState, ctx: Context, id: number, why: string) => {
    const job = s.jobs.get(id)!;
    if (job.undoing !== undefined) return;
    ctx.count('retrier.compensations');
    // Durable: a record taken again (this retrier crashed, or its partition moved) resumes the
    // undo instead of writing the databases that had not yet been undone back into agreement with none.
    if (!ctx.store.has('compensating', job.rec.writeId)) ctx.store.put<CompensatingRow>('compensating', job.rec.writeId, { at: ctx.now(), why });
    if (!compensate) {
      finish(s, ctx, id, why);
      return;
    }
    job.undoing = new Map();
    for (const db of DATABASES) attempt(s, ctx, id, db);
  };

  const finish = (s: RetrierState, ctx: Context, id: number, deadReason?: string) => {
    const job = s.jobs.get(id)!;
    ctx.observe('inconsistency', ctx.now() - job.rec.firstAt);
    if (deadReason === undefined) {
      ctx.count('retrier.repaired');
      s.jobs.delete(id);
      s.tracker.release(ctx, [job.offset]);
      return;
    }
    // The dead letter records the compensation; the offset is released once it is written.
    job.dead = true;
    deadLetter(ctx, DEAD_LETTERS, job.rec.writeId, job.rec, deadReason, undefined, id);
  };

  const ended = (s: RetrierState, ctx: Context, c: { job: number; db: Database; op: 'write' | 'delete' }, result: 'ok' | 'compensated' | 'failed') => {
    const job = s.jobs.get(c.job);
    if (job === undefined || job.dead) return;
    if (c.op === 'delete') {
      if (job.undoing === undefined) return;
      if (result !== 'failed') job.undoing.delete(c.db);
      else ctx.setTimer(retryDelayMs(policy, Math.min(job.undoing.get(c.db) ?? 1, 30) + 1, () => ctx.random()), { type: 'again', job: c.job, db: c.db } satisfies Again);
      if (job.undoing.size === 0) finish(s, ctx, c.job, 'compensated');
      return;
    }
    if (job.undoing !== undefined) return;
    if (result === 'compensated') {
      // Undone already (an earlier taking of this record): make sure it is undone everywhere.
      undo(s, ctx, c.job, 'compensated earlier');
      return;
    }
    if (result === 'ok') {
      job.missing.delete(c.db);
      if (job.missing.size === 0) finish(s, ctx, c.job);
      return;
    }
    const spent = job.missing.get(c.db) ?? 0;
    if (spent >= policy.maxAttempts) {
      undo(s, ctx, c.job, `${c.db}: ${spent} attempts failed`);
      return;
    }
    ctx.count('retrier.retries');
    ctx.setTimer(retryDelayMs(policy, spent + 1, () => ctx.random()), { type: 'again', job: c.job, db: c.db } satisfies Again);
  };

  return {
    init: (ctx) => ({ tracker: new OffsetTracker(), calls: new PendingCalls(ctx), jobs: new Map(), next: 1 }),
    receive(s, m, ctx) {
      switch (m.type) {
        case '$assigned':
          // Partitions moved: what was in flight is another member's (or will come again).
          s.tracker.assigned(m.partitions);
          s.jobs.clear();
          break;
        case '$records': {
          const batch = m as RecordsMessage<FailedWrite>;
          s.tracker.takeAll(batch);
          for (const r of batch.records) {
            const id = s.next++;
            // The writer tried each once; the first retry waits the first back-off.
            s.jobs.set(id, { rec: r.value, offset: { topic: FAILED_WRITES, partition: batch.partition, offset: r.offset }, missing: new Map(r.value.failed.map((db) => [db, 1])) });
            if (ctx.store.has('compensating', r.value.writeId)) {
              undo(s, ctx, id, 'compensation begun earlier');
              continue;
            }
            for (const db of r.value.failed) ctx.setTimer(retryDelayMs(policy, 2, () => ctx.random()), { type: 'again', job: id, db } satisfies Again);
          }
          break;
        }
        case 'again':
          if (s.jobs.has(m.job) && !s.jobs.get(m.job)!.dead) attempt(s, ctx, m.job, m.db);
          break;
        case 'db-result': {
          const c = s.calls.answered(ctx, m.callId);
          if (c !== undefined) ended(s, ctx, c.payload, m.status === 503 ? 'failed' : m.status);
          break;
        }
        case 'call-timeout': {
          const c = s.calls.timedOut(ctx, m);
          if (c !== undefined) ended(s, ctx, c, 'failed');
          break;
        }
        case '$produced':
          for (const t of m.tokens) {
            const job = s.jobs.get(t as number);
            if (job === undefined) continue;
            s.jobs.delete(t as number);
            s.tracker.release(ctx, [job.offset]);
          }
          break;
        case '$produceFailed':
          for (const t of m.tokens) {
            const job = s.jobs.get(t as number);
            if (job !== undefined) deadLetter(ctx, DEAD_LETTERS, job.rec.writeId, job.rec, 'compensated', undefined, t);
          }
          break;
      }
      ctx.gauge(`${ctx.selfName}.jobs`, s.jobs.size);
      return s;
    },
  };
}
