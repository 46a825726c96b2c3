// Named fault plans for the refund scenario (`--faults PRESET`), timed for the
// default load (20,000 refunds at 2,000/s: ten virtual seconds).
import type { FaultPlan } from '../../faults/plan.js';

export const REFUND_FAULT_PRESETS: Readonly<Record<string, FaultPlan>> = {
  /** Every kind of the catalogue at least once, overlapping, all healed by ~12 s. */
  chaos: [
    { kind: 'crash', actor: 'batcher', atMs: 1_500, restartAfterMs: 500 },
    { kind: 'crash', actor: 'ds', point: 'ds.after-ledger-before-publish', occurrence: 3, restartAfterMs: 300 },
    { kind: 'crash', actor: 'cs', point: 'cs.after-document-before-commit', occurrence: 5, restartAfterMs: 300 },
    { kind: 'crash', actor: 'outbox-relay', point: 'relay.after-publish-before-mark', occurrence: 10, restartAfterMs: 200 },
    { kind: 'redeliver', group: 'rms-status', atMs: 4_000 },
    { kind: 'duplicate', actor: 'outbox-relay', atMs: 1_000, count: 5 },
    { kind: 'duplicate', actor: 'ds', atMs: 3_000, count: 3 },
    { kind: 'lose-response', to: 'client', messageType: 'refund-response', atMs: 500, count: 20 },
    { kind: 'lose-response', to: 'batcher', messageType: 'batch-done', atMs: 2_000, count: 2 },
    { kind: 'delay', to: 'ds', extraMs: 200, atMs: 1_000, durationMs: 3_000 },
    { kind: 'pause', actor: 'rms', atMs: 2_500, durationMs: 800 },
    { kind: 'partition', actor: 'cs', atMs: 5_000, durationMs: 1_500 },
    { kind: 'outage', topic: 'refund-outcomes', partition: 3, atMs: 3_500, durationMs: 2_000 },
    { kind: 'throttle', actor: 'rms', maxPerSec: 1_500, atMs: 6_000, durationMs: 1_000 },
    { kind: 'clock-skew', actor: 'lock-service', skewMs: 5_000, atMs: 2_000, durationMs: 3_000 },
    { kind: 'lease-expiry', actor: 'ds', messageType: 'granted', occurrence: 4, pauseMs: 12_000 },
    { kind: 'poison', topic: 'refund-requested', key: 'rf-777' },
  ],
};
