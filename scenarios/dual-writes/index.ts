// seeds/003's dual-database writer on the kit: clients -> a writer that writes each record
// to MySQL, MongoDB and Spanner in parallel (a breaker each) -> a failed-writes topic -> a
// group of retriers (back-off, then compensation and a dead letter). Checked: after the
// faults heal, every database holds each write once, or none does and it was compensated,
// and nothing a client was told succeeded is lost. Measured: how long the databases
// disagree about a write (the inconsistency window) while one of them is down.
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { copiesAgree } from '../../checks/copies.js';
import { ViolationLog, type Checker } from '../../checks/types.js';
import { shiftedExponentialMs } from '../../runtime/sim/service-time.js';
import { DATABASES, dualWritesParamsShape, type DualWritesParams } from './params.js';
import { database, type CopyRow, type TombstoneRow } from './databases.js';
import { writerBehaviour, FAILED_WRITES, type WriteRequest } from './writer.js';
import { retrierBehaviour, DEAD_LETTERS } from './retrier.js';
import type { FailedWrite } from './writer.js';
import { DUAL_WRITES_CLAIMS } from './claims.js';

// The databases' own speeds: a local MySQL, a MongoDB replica set, Spanner's commit wait.
const SERVICE_MS = { mysql: [1, 3], mongodb: [2, 4], spanner: [5, 10] } as const;

/**
 * A write the caller was told `committed` (the writer's own record of its answers) is held by
 * every database: a compensation may undo an `accepted` write, never a committed one.
 */
const committedMeansHeld: Checker = {
  name: 'committed-means-held',
  description: 'every write answered committed is held by every database',
  check(o) {
    const log = new ViolationLog('committed-means-held', 'every write answered committed is held by every database');
    const held = DATABASES.map((db) => new Set([...o.table<CopyRow>(db, 'rows').values()].map((r) => r.writeId)));
    for (const [key, row] of o.table<{ status: string }>('writer', 'outcomes')) {
      if (row.status !== 'committed') continue;
      const missing = DATABASES.filter((_db, i) => !held[i].has(String(key)));
      if (missing.length > 0) log.add(String(key), `answered committed, yet missing from ${missing.join(', ')}`);
    }
    return log.result();
  },
};

export default defineScenario({
  name: 'dual-writes',
  description: 'clients -> dual-database writer (MySQL, MongoDB, Spanner in parallel, a breaker each) -> failed-writes topic -> retriers (back-off, compensation, dead letter) (seeds/003)',
  params: dualWritesParamsShape,
  load: { count: 3_000, ratePerSec: 100, clientTimeoutMs: 10_000 },
  topology: (p) => ({
    topics: [
      { name: FAILED_WRITES, partitions: 4 },
      { name: DEAD_LETTERS, partitions: 1, retainAll: true },
    ],
    actors: [
      {
        name: 'clients',
        behaviour: loadGenerator<WriteRequest>({
          target: 'writer', load: p, keyPrefix: 'write', responseType: 'write-result',
          request: (n, key, replyTo) => ({ type: 'write', key, data: n, replyTo }),
        }),
      },
      { name: 'writer', behaviour: writerBehaviour(p as DualWritesParams), serviceTime: 0.1 },
      ...DATABASES.map((db) => ({ name: db, behaviour: database(db, p as DualWritesParams), workers: 8, serviceTime: shiftedExponentialMs(SERVICE_MS[db][0], SERVICE_MS[db][1]) })),
      ...Array.from({ length: p.retriers }, (_, i) => ({
        name: `retrier-${i + 1}`, behaviour: retrierBehaviour(p as DualWritesParams), store: 'retriers', serviceTime: 0.1,
        consumes: { group: 'retriers', topics: [FAILED_WRITES] },
      })),
    ],
  }),
  invariants: () => [
    committedMeansHeld,
    copiesAgree<CopyRow>({
      name: 'databases-agree',
      copies: DATABASES.map((db) => ({ store: db, table: 'rows' })),
      idOf: (row) => row.writeId,
      valueOf: (row) => row.data,
      compensations: { topic: DEAD_LETTERS, idOf: (v) => (v as FailedWrite).writeId },
      acknowledged: true,
    }),
  ],
  outcomes: (o) => {
    const compensated = new Set<string>();
    for (const db of DATABASES) for (const t of o.table<TombstoneRow>(db, 'tombstones').values()) compensated.add(t.writeId);
    // From the databases' own commit times: how far apart the copies of a write were written.
    let spreadMax = 0;
    const first = new Map<string, [number, number]>();
    for (const db of DATABASES) {
      for (const r of o.table<CopyRow>(db, 'rows').values()) {
        const f = first.get(r.writeId);
        first.set(r.writeId, f === undefined ? [r.at, r.at] : [Math.min(f[0], r.at), Math.max(f[1], r.at)]);
      }
    }
    for (const [lo, hi] of first.values()) spreadMax = Math.max(spreadMax, hi - lo);
    return { compensated: compensated.size, deadLetters: o.records(DEAD_LETTERS).length, copySpreadMaxMs: Math.round(spreadMax) };
  },
  metrics: {
    unit: 'write',
    completed: 'writes.answered',
    headline: 'response',
    slo: 'response.p99<2000',
    latencies: ['inconsistency'],
    counters: ['writes.committed', 'writes.accepted', 'retrier.retries', 'retrier.repaired', 'retrier.compensations', ...DATABASES.flatMap((db) => [`breaker.${db}.OPEN`, `writer.${db}.breakerOpen`])],
  },
  claims: DUAL_WRITES_CLAIMS,
  variants: {
    'no-compensation': 'a write whose retries are spent is dead-lettered but not deleted from the databases that took it: they disagree for good',
    'no-tombstone': 'a compensation deletes the rows and leaves nothing behind (the seed\'s DELETE ... WHERE writeId = ?): a write still in flight brings a row back',
    'not-idempotent': 'each database write inserts a new row: a retry after a lost answer writes the thing twice',
    'answer-before-queued': 'the writer tells the caller `accepted` when it hands the failed databases to the producer, not when the broker has them: a record the broker never took is a repair never made',
  },
  check: {
    // A short load through an outage of one database, the retrier's budget shorter than the outage: writes repaired, and writes compensated, within every run.
    params: { count: 60, ratePerSec: 40, outageAtMs: 300, outageMs: 800, callTimeoutMs: 100, retryDelayMs: 50, retryMaxDelayMs: 200, retryAttempts: 4, breakerOpenMs: 200, breakerMinimumCalls: 4 },
  },
});
