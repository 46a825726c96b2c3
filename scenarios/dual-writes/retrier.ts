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
  /** This taking decided the write's fate (and so samples its window). */
  won?: boolean;
}

interface RetrierState {
  readonly tracker: OffsetTracker;
  readonly calls: PendingCalls<{ job: number; db: Database; op: 'write' | 'delete' }>;
  readonly jobs: Map<number, Job>;
  next: number;
}

/** What became of a write, decided once (table `fates` of the retriers' shared store). */
type Fate = 'repaired' | 'compensating' | 'compensated';
interface FateRow { readonly fate: Fate; readonly at: number; readonly why?: string }
const FATES = 'fates';

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

  /** Attempt `attemptNo` at `db` after its back-off. */
  const retryLater = (ctx: Context, job: number, db: Database, attemptNo: number) =>
    ctx.setTimer(retryDelayMs(policy, attemptNo, () => ctx.random()), { type: 'again', job, db } satisfies Again);

  /**
   * A write's fate is decided once, by whichever retrier decides first, in the store all of
   * them share: a retrier that paused through a rebalance and comes back with a stale
   * failure must not undo a write another one repaired, nor one repair what another began
   * to undo. The winner also takes the write's one sample of the inconsistency window.
   */
  const decide = (ctx: Context, writeId: string, fate: 'repaired' | 'compensating', why?: string): { fate: Fate; won: boolean } => {
    const had = ctx.store.get<FateRow>(FATES, writeId);
    if (had !== undefined) return { fate: had.fate, won: false };
    ctx.store.put<FateRow>(FATES, writeId, { fate, at: ctx.now(), ...(why !== undefined ? { why } : {}) });
    return { fate, won: true };
  };

  /** Nothing left to do for this taking of the record. */
  const release = (s: RetrierState, ctx: Context, id: number) => {
    const job = s.jobs.get(id)!;
    s.jobs.delete(id);
    s.tracker.release(ctx, [job.offset]);
  };

  /** Undo the write everywhere (the databases that took it and the ones that may yet have). */
  const undo = (s: RetrierState, ctx: Context, id: number, why: string) => {
    const job = s.jobs.get(id)!;
    if (job.undoing !== undefined) return;
    const d = decide(ctx, job.rec.writeId, 'compensating', why);
    // Repaired by another retrier (this one's failure is stale), or undone and dead-lettered already.
    if (d.fate !== 'compensating') {
      release(s, ctx, id);
      return;
    }
    job.won = d.won;
    if (d.won) ctx.count('retrier.compensations');
    if (!compensate) {
      finishUndo(s, ctx, id, why);
      return;
    }
    job.undoing = new Map();
    for (const db of DATABASES) attempt(s, ctx, id, db);
  };

  /** Every database the write was missing from has it. */
  const repaired = (s: RetrierState, ctx: Context, id: number) => {
    const job = s.jobs.get(id)!;
    const d = decide(ctx, job.rec.writeId, 'repaired');
    if (d.fate === 'compensating') {
      // Another retrier began to undo it: undo it with them.
      undo(s, ctx, id, 'compensation begun elsewhere');
      return;
    }
    if (d.won) {
      ctx.observe('inconsistency', ctx.now() - job.rec.firstAt);
      ctx.count('retrier.repaired');
    }
    release(s, ctx, id);
  };

  /** Undone everywhere: the dead letter records the compensation; the offset is released once it is written. */
  const finishUndo = (s: RetrierState, ctx: Context, id: number, deadReason: string) => {
    const job = s.jobs.get(id)!;
    if (job.won) ctx.observe('inconsistency', ctx.now() - job.rec.firstAt);
    job.dead = true;
    deadLetter(ctx, DEAD_LETTERS, job.rec.writeId, job.rec, deadReason, undefined, id);
  };

  const ended = (s: RetrierState, ctx: Context, c: { job: number; db: Database; op: 'write' | 'delete' }, result: 'ok' | 'compensated' | 'failed') => {
    const job = s.jobs.get(c.job);
    if (job === undefined || job.dead) return;
    if (c.op === 'delete') {
      if (job.undoing === undefined) return;
      if (result !== 'failed') job.undoing.delete(c.db);
      else retryLater(ctx, c.job, c.db, Math.min(job.undoing.get(c.db) ?? 1, 30) + 1);
      if (job.undoing.size === 0) finishUndo(s, ctx, c.job, 'compensated');
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
      if (job.missing.size === 0) repaired(s, ctx, c.job);
      return;
    }
    const spent = job.missing.get(c.db) ?? 0;
    if (spent >= policy.maxAttempts) {
      undo(s, ctx, c.job, `${c.db}: ${spent} attempts failed`);
      return;
    }
    ctx.count('retrier.retries');
    retryLater(ctx, c.job, c.db, spent + 1);
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
            const fate = ctx.store.get<FateRow>(FATES, r.value.writeId)?.fate;
            // Taken again (a crash, a rebalance, a rewind): follow the fate decided before.
            if (fate === 'compensating') {
              undo(s, ctx, id, 'compensation begun earlier');
              continue;
            }
            if (fate !== undefined) {
              release(s, ctx, id);
              continue;
            }
            for (const db of r.value.failed) retryLater(ctx, id, db, 2);
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
            ctx.store.put<FateRow>(FATES, job.rec.writeId, { fate: 'compensated', at: ctx.now() });
            release(s, ctx, t as number);
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
