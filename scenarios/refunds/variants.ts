import type { Behaviour, Context, RecordsMessage } from '../../runtime/contract.js';
import type { BatcherState } from '../../actors/batcher.js';

// Deliberately wrong versions of the refund pipeline: each breaks one thing a real
// team has broken, and each is a negative control some checker must catch.

export const VARIANTS = {
  'ds-no-idempotency': 'DS does not consult its ledger: a redelivered refund is disbursed again',
  'cs-no-idempotency': 'CS numbers documents instead of keying them by refundId: a redelivered event makes a second document',
  'cs-documents-failures': 'CS also writes a confirmation document for a refund whose disbursement failed',
  'rms-no-idempotency': 'RMS ignores the idempotency key: a retried request creates a second refund',
  'rms-retry-resets-status': 'RMS answers a retried request by writing the refund back to PENDING',
  'commit-before-effect': 'the batcher commits offsets as soon as it reads records, before DS has disbursed them',
  'lock-no-fencing': 'DS writes under a lease lock without checking its fencing token',
  'ds-leaks-reservation': 'DS reserves a batch\'s whole amount and does not return what failed refunds did not use',
  'dual-write': 'RMS stores the refund and publishes its event directly, without an outbox: a crash in between loses it',
  'client-retry-new-key': 'the client retries a request that timed out with a fresh idempotency key',
  'batcher-releases-on-timeout': 'the batcher lets a timed-out batch\'s offsets be committed when it sends the batch again, trusting the resend it keeps in memory: DS down past the time-out and a batcher crash before DS is back lose the batch',
  'relay-acks-one': 'the outbox relay produces with acks=1: a leader failover loses events the broker had acknowledged, and their outbox rows are gone',
} as const;

/**
 * The batcher of the commit-before-effect variant: it commits what it reads at once, and
 * the commits the kit batcher makes when a batch is done are dropped (they would move the
 * offsets back behind the early commit).
 */
export function commitOnRead<S, M>(b: Behaviour<S, M>): Behaviour<S, M> {
  return {
    ...b,
    receive(s, m, ctx) {
      const msg = m as { type?: string };
      if (msg.type === '$records') {
        const r = m as RecordsMessage;
        ctx.commit(r.topic, r.partition, r.records[r.records.length - 1].offset + 1);
        return b.receive(s, m, ctx);
      }
      const noCommits: Context = Object.create(ctx);
      noCommits.commit = () => {};
      return b.receive(s, m, noCommits);
    },
  };
}

/**
 * The batcher of the batcher-releases-on-timeout variant: a batch that timed out has its
 * records released (their offsets may be committed) when it goes again; only the resend
 * in memory stands for them, and a crash before DS confirms it loses them.
 */
export function releaseOnTimeout<V, M>(b: Behaviour<BatcherState<V>, M>): Behaviour<BatcherState<V>, M> {
  return {
    ...b,
    receive(s, m, ctx) {
      const msg = m as { type?: string; batchId?: string };
      const p = msg.type === 'batch-timeout' ? s.pending.get(msg.batchId!) : undefined;
      if (p !== undefined && p.offsets.length > 0) {
        s.offsets.releaseFlat(ctx, s.topics, p.offsets);
        s.pending.set(msg.batchId!, { batch: p.batch, offsets: [] });
      }
      return b.receive(s, m, ctx);
    },
  };
}
