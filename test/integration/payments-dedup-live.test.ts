// payments-dedup (seeds/004) live: the same behaviours on the project's broker and
// PostgreSQL, the stream job in the coordinator (one job, as Spark has one driver).
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, dbUrl, liveServers, removeKeptRuns } from './servers.js';
import { runLive, type LiveRunResult } from '../../harness/live/live-run.js';
import { PgStore } from '../../runtime/live/pg-store.js';
import { executeScenario } from '../../harness/run.js';
import type { SimStore } from '../../runtime/sim/store.js';
import dedup from '../../scenarios/payments-dedup/index.js';
import type { SinkRow } from '../../scenarios/payments-dedup/warehouse.js';
import type { Accepted } from '../../scenarios/payments-dedup/intake.js';
import type { LiveFault } from '../../runtime/live/live-faults.js';

const { pool, up } = await liveServers('payments-dedup live');
// Every run here is kept to read its rows, and removed after the file.
const kept: string[] = [];
afterAll(async () => {
  await removeKeptRuns(pool, kept);
  await pool?.end();
});

const live = (seed: number, overrides: Record<string, unknown>, faults: LiveFault[] = []) =>
  runLive(dedup, { scenarioRef: 'payments-dedup', seed, overrides, kafka: { brokers }, dbUrl, workers: 1, faults, drainDeadlineMs: 90_000, keep: true }).then((r) => {
    kept.push(r.live.runId);
    return r;
  });

/** Per transaction: its amount in the sink, or "dropped" (late). */
function outcomes(sink: SimStore, job: SimStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of (sink.table('payment_transactions') as Map<unknown, SinkRow>).values()) out.set(r.txId, String(r.amount));
  for (const k of job.table('dropped_late').keys()) if (!out.has(String(k))) out.set(String(k), 'dropped');
  return out;
}

const failed = (r: LiveRunResult) => r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message}`);

describe.skipIf(!up)('payments-dedup live (real Kafka and PostgreSQL)', () => {
  it('conformance: the same workload seed lands the same transactions with the same amounts, and drops the same late ones', async () => {
    // Late events up to 1.5 h against a 1 h watermark. Whether one is dropped depends on its
    // lateness, except where timing decides in either runtime: in the first batches (whose
    // watermark has not risen yet, and which start when each runtime's first records arrive)
    // and within a minute of the hour. Those are left out; every other transaction must agree.
    const overrides = { count: 3_000, ratePerSec: 300, lateRate: 0.05, duplicateRate: 0.03 };
    const sim = executeScenario(dedup, dedup.parse(overrides), { seed: 5 }).sim;
    const simOut = outcomes(sim.store('warehouse'), sim.store('stream-job'));
    const accepted = sim.store('payment-producer').table('accepted') as Map<unknown, Accepted>;
    const decidedByLateness = (k: string) => {
      const a = accepted.get(k)!;
      return a.acceptedAt >= 3_000 && Math.abs(a.acceptedAt - a.eventTime - 3_600_000) > 60_000;
    };
    const r = await live(5, overrides);
    expect(failed(r)).toEqual([]);
    const liveOut = outcomes(await new PgStore(pool!, `${r.live.runId}/warehouse`).load(), await new PgStore(pool!, `${r.live.runId}/stream-job`).load());
    expect(liveOut.size).toBe(3_000);
    const compared = [...simOut].filter(([k]) => decidedByLateness(k));
    expect(compared.length).toBeGreaterThan(2_000);
    expect(compared.filter(([k, v]) => liveOut.get(k) !== v)).toEqual([]);
    expect(compared.filter(([, v]) => v === 'dropped').length).toBeGreaterThan(10);
    expect(r.metrics.counters['payments.duplicatesSkipped']).toBeGreaterThan(0);
  }, 120_000);

  it('duplicates made for real (lost produce acknowledgements, lost answers to the terminals) never reach the sink', async () => {
    const faults: LiveFault[] = [
      { kind: 'lose-produce-acks', actor: 'payment-producer', probability: 0.3, atMs: 500, durationMs: 3_000 },
      { kind: 'lose-responses', probability: 0.2, atMs: 1_000, durationMs: 3_000 },
    ];
    const r = await live(6, { count: 2_000, ratePerSec: 300, clientTimeoutMs: 1_000 }, faults);
    expect(failed(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.metrics.counters['payments.duplicatesSkipped']).toBeGreaterThan(20);
    expect(r.outcomes['payments.inSink']).toBe(r.outcomes['payments.distinctInSink']);
  }, 120_000);
});
