// faultline live against a real broker and PostgreSQL (npm run kafka:up, npm run pg:up).
// Without them it says what it skips and why; in CI (FAULTLINE_REQUIRE_KAFKA=1) they must be there.
import { afterAll, describe, expect, it } from 'vitest';
import { brokerUp, brokers, dbUrl, liveServers, removeKeptRuns } from './servers.js';
import { runLive, LiveSetupError, type LiveRunResult } from '../../harness/live/live-run.js';
import { PgStore } from '../../runtime/live/pg-store.js';
import { executeScenario } from '../../harness/run.js';
import refundsScenario from '../../scenarios/refunds/index.js';
import type { RefundRow } from '../../scenarios/refunds/model.js';
import type { LiveFault } from '../../runtime/live/live-faults.js';

const { pool, up } = await liveServers('faultline live');
const kept: string[] = [];
afterAll(async () => {
  await removeKeptRuns(pool, kept);
  await pool?.end();
});

const kafka = { brokers };
/** A live run; `keep` keeps its rows for the test to read (removed after the file). */
const live = async (seed: number, overrides: Record<string, unknown>, workers: number, faults: LiveFault[] = [], keep = false) => {
  const r = await runLive(refundsScenario, {
    scenarioRef: 'refunds', seed, overrides, kafka, dbUrl, workers, faults, drainDeadlineMs: 90_000, keep,
    log: process.env.FAULTLINE_LIVE_LOG === '1' ? (line: string) => console.error(`[live ${seed}] ${line}`) : undefined,
  });
  if (keep) kept.push(r.live.runId);
  return r;
};

async function statuses(result: LiveRunResult): Promise<Map<string, string>> {
  const rms = await new PgStore(pool!, `${result.live.runId}/rms`).load();
  return new Map([...(rms.table('refunds') as Map<string, RefundRow>)].map(([k, r]) => [k, r.status]));
}

/** Passes when the run is ok; otherwise the diff names the failed invariants and the first errors. */
function expectOk(r: LiveRunResult): void {
  const why = {
    failed: r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message ?? ''}`),
    errors: r.sim.actorErrors.slice(0, 3).map((e) => `${e.actor}: ${e.message}`),
  };
  expect(why).toEqual({ failed: [], errors: [] });
  expect(r.ok).toBe(true);
}

const held = (r: LiveRunResult) => Object.fromEntries(r.invariants.map((i) => [i.name, i.ok]));

describe.skipIf(!up)('faultline live (real Kafka and PostgreSQL)', () => {
  it('takes refunds end to end through the HTTP intake, the broker and the database, and every invariant holds', async () => {
    const r = await live(11, { count: 300, ratePerSec: 150 }, 0);
    expect(held(r)).toEqual({ 'status-consistent': true, 'no-lost-refund': true, 'idempotent-intake': true, 'no-double-effect': true, 'no-mismatch': true, fencing: true });
    expectOk(r);
    const n = (status: string) => r.outcomes[`refunds.${status}`];
    expect(n('DISBURSED') + n('REJECTED') + n('DEAD_LETTERED')).toBe(300);
    expect(n('DISBURSED')).toBeGreaterThan(250);
    expect(n('PENDING')).toBe(0);
    expect(r.outcomes.documents).toBe(n('DISBURSED'));
    expect(r.metrics.latencyMs.rmsResponse.count).toBe(300);
    expect(r.metrics.latencyMs.endToEnd.count).toBe(n('DISBURSED'));
    expect(r.metrics.counters['live.http.requests']).toBeGreaterThanOrEqual(300);
    // The timeline (sampled each second) ends with every refund completed and nothing left to read.
    expect(r.timeline.length).toBeGreaterThan(2);
    expect(r.timeline.at(-1)).toMatchObject({ offered: 300, completed: r.metrics.completed, backlog: 0 });
  }, 120_000);

  it('conformance: the same workload seed without faults ends every refund the same way in the simulator and live', async () => {
    // Transfer failures are DS's own random draws, and DS meets batches in another order live: off here.
    const overrides = { count: 400, ratePerSec: 200, transferFailureRate: 0, closedAccountRate: 0.02 };
    const params = refundsScenario.parse(overrides);
    const sim = executeScenario(refundsScenario, params, { seed: 5 }).sim;
    const simStatus = new Map([...(sim.store('rms').table('refunds') as Map<string, RefundRow>)].map(([k, row]) => [k, row.status]));
    const r = await live(5, overrides, 1, [], true);
    expectOk(r);
    const liveStatus = await statuses(r);
    expect(liveStatus.size).toBe(simStatus.size);
    const differing = [...simStatus].filter(([k, s]) => liveStatus.get(k) !== s);
    expect(differing).toEqual([]);
    // Not a trivial agreement: all three terminal outcomes occur.
    expect(new Set(simStatus.values())).toEqual(new Set(['DISBURSED', 'REJECTED', 'DEAD_LETTERED']));
  }, 120_000);

  it('two workers share the partitions and no refund is processed twice in effect', async () => {
    const r = await live(12, { count: 1_000, ratePerSec: 250 }, 2);
    expectOk(r);
    expect(r.live.workers).toBe(2);
    // Both members got partitions and did work (a lone consumer would pass the checks too).
    expect(r.live.messagesByWorker).toHaveLength(2);
    for (const n of r.live.messagesByWorker) expect(n).toBeGreaterThan(0);
    expect(r.outcomes.documents).toBe(r.outcomes['refunds.DISBURSED']);
    expect(r.outcomes['refunds.PENDING']).toBe(0);
  }, 120_000);

  it('exactly-once effects while a worker is SIGKILLed mid-run and restarted', async () => {
    const r = await live(13, { count: 1_500, ratePerSec: 300 }, 2, [{ kind: 'kill-worker', worker: 1, atMs: 2_000, restartAfterMs: 1_000 }]);
    expect(r.faults[0].fired).toBe(1);
    expect(r.live.workerKills).toBe(1);
    expect(held(r)).toEqual({ 'status-consistent': true, 'no-lost-refund': true, 'idempotent-intake': true, 'no-double-effect': true, 'no-mismatch': true, fencing: true });
    expectOk(r);
    expect(r.outcomes['refunds.PENDING']).toBe(0);
    // What the killed worker measured before the kill still counts (it reports every second): documents'
    // end-to-end latencies are recorded in the workers, at most its last second of them lost.
    expect(r.metrics.latencyMs.endToEnd.count).toBeGreaterThan(0.8 * r.outcomes['refunds.DISBURSED']);
  }, 180_000);

  it('a produce retried after a lost ack (duplicates on the topic) does not double-disburse, and lost answers are retried under the same key', async () => {
    const r = await live(14, { count: 600, ratePerSec: 200 }, 1, [
      { kind: 'lose-produce-acks', actor: 'ds', probability: 0.5, atMs: 0, durationMs: 4_000 },
      { kind: 'lose-produce-acks', actor: 'outbox-relay', probability: 0.3, atMs: 0, durationMs: 4_000 },
      { kind: 'lose-responses', probability: 0.1, atMs: 0, durationMs: 3_000 },
      { kind: 'slow-consumer', actor: 'cs', delayMs: 100, atMs: 0, durationMs: 6_000 },
    ]);
    for (const f of r.faults) expect(f.fired, String(f.kind)).toBeGreaterThan(0);
    expect(r.outcomes.duplicatesSuppressed).toBeGreaterThan(0);
    expectOk(r);
  }, 180_000);

  it("crashes at the behaviours' crash points and at the step boundaries, live: every invariant holds", async () => {
    // Short time-outs, as the property search has them: a batch lost with a crashed DS is sent again after
    // batchTimeoutMs, a lock held by one waits out its lease; with the defaults (30 s, 10 s) a few such
    // crashes in a row can outlast the drain deadline without anything being wrong.
    const r = await live(16, { count: 600, ratePerSec: 200, batchTimeoutMs: 5_000, leaseMs: 2_000, lockAcquireTimeoutMs: 3_000, batchMaxWaitMs: 500 }, 1, [
      { kind: 'crash', actor: 'ds', point: 'ds.after-ledger-before-publish', occurrence: 2 },
      { kind: 'crash', actor: 'ds', point: 'ds.holding-lock', occurrence: 4 },
      { kind: 'crash', actor: 'cs', point: 'cs.after-document-before-commit', occurrence: 3 },
      { kind: 'crash', actor: 'batcher', point: 'batcher.after-done-before-commit', occurrence: 5 },
      { kind: 'crash', actor: 'rms', point: 'after-commit', occurrence: 50 },
      { kind: 'crash', actor: 'cs', point: 'after-sends', occurrence: 7 },
      { kind: 'crash', actor: 'ds', point: 'before-commit', occurrence: 6 },
    ]);
    for (const f of r.faults) expect(f.fired, `${String(f.actor)}@${String(f.point)}`).toBeGreaterThan(0);
    // Two crashes can land in one incarnation (a step crash while a point's crash is pending): restarts may be fewer.
    expect(r.live.actorRestarts).toBeGreaterThanOrEqual(3);
    expectOk(r);
    expect(r.outcomes['refunds.PENDING']).toBe(0);
  }, 180_000);

  it('poison records are dead-lettered live, as in the simulator: retried, split, sent to the DLQ, their refunds end DEAD_LETTERED', async () => {
    const overrides = { count: 300, ratePerSec: 150 };
    // Keys the same workload seed sends down the pipeline (not rejected at the intake).
    const sim = executeScenario(refundsScenario, refundsScenario.parse(overrides), { seed: 17 }).sim;
    const keys = [...(sim.store('rms').table('refunds') as Map<string, RefundRow>)].filter(([, row]) => row.status === 'DISBURSED').map(([k]) => k).slice(10, 13);
    const r = await live(17, overrides, 1, keys.map((key) => ({ kind: 'poison' as const, topic: 'refund-requested', key })), true);
    for (const f of r.faults) expect(f.fired, String(f.key)).toBeGreaterThan(0);
    expectOk(r);
    expect(r.metrics.counters['kafka.deadLettered']).toBeGreaterThanOrEqual(3);
    expect(r.metrics.counters['kafka.processingRetries']).toBeGreaterThan(0);
    expect(r.outcomes['refunds.PENDING']).toBe(0);
    // Exactly the poisoned refunds were dead-lettered by the batcher's group (DS's own dead letters are other refunds).
    const status = await statuses(r);
    for (const k of keys) expect(status.get(k), k).toBe('DEAD_LETTERED');
  }, 180_000);

  it('an unreachable broker or database is a setup error within 30 s, not a hang', async () => {
    const t = Date.now();
    await expect(runLive(refundsScenario, { scenarioRef: 'refunds', seed: 1, kafka: { brokers: ['127.0.0.1:1'] }, dbUrl, workers: 0 })).rejects.toBeInstanceOf(LiveSetupError);
    await expect(runLive(refundsScenario, { scenarioRef: 'refunds', seed: 1, kafka, dbUrl: 'postgres://postgres@127.0.0.1:1/x', workers: 0 })).rejects.toBeInstanceOf(LiveSetupError);
    expect(Date.now() - t).toBeLessThan(30_000);
  }, 60_000);
  it('survives the broker stopping and starting again mid-run (the project\'s own broker), with two workers sharing the groups', async () => {
    // Two workers: the restart rebalances every group, and a former owner's late commit must not move offsets back.
    const r = await live(15, { count: 1_200, ratePerSec: 200 }, 2, [{ kind: 'broker-restart', atMs: 2_500, downMs: 2_000 }]);
    expect(r.faults[0].fired).toBe(1);
    expectOk(r);
    expect(r.outcomes['refunds.PENDING']).toBe(0);
    expect(await brokerUp()).toBe(true);
  }, 240_000);

  // Negative controls: deliberately broken pipelines the live checks must catch, each
  // with the real fault that exposes it.
  describe('catches broken pipelines live', () => {
    const failed = (r: LiveRunResult) => r.invariants.filter((i) => !i.ok).map((i) => i.name);

    it('DS without its ledger check disburses a duplicated request twice', async () => {
      const r = await live(21, { count: 400, ratePerSec: 200, variant: 'ds-no-idempotency' }, 1, [
        { kind: 'lose-produce-acks', actor: 'outbox-relay', probability: 0.5, atMs: 0, durationMs: 3_000 },
      ]);
      expect(r.ok).toBe(false);
      expect(failed(r)).toContain('no-double-effect');
    }, 120_000);

    it('CS numbering its documents writes a second one for a duplicated outcome', async () => {
      const r = await live(22, { count: 400, ratePerSec: 200, variant: 'cs-no-idempotency' }, 1, [
        { kind: 'lose-produce-acks', actor: 'ds', probability: 1, atMs: 0, durationMs: 10_000 },
      ]);
      expect(r.ok).toBe(false);
      expect(failed(r)).toContain('no-mismatch'); // "disbursed refund with 2 documents", as in the simulator's control
    }, 120_000);

    it('a crash at a behaviour\'s crash point, live: CS numbering its documents writes a second one after crashing between its document and its offset commit', async () => {
      const r = await live(24, { count: 300, ratePerSec: 150, variant: 'cs-no-idempotency' }, 1, [
        { kind: 'crash', actor: 'cs', point: 'cs.after-document-before-commit', occurrence: 3 },
      ]);
      expect(r.faults[0].fired).toBeGreaterThan(0);
      expect(r.ok).toBe(false);
      expect(failed(r)).toContain('no-mismatch');
    }, 120_000);

    it('RMS ignoring the idempotency key makes two refunds of a request whose answer was lost', async () => {
      const r = await live(23, { count: 300, ratePerSec: 150, clientTimeoutMs: 1_000, variant: 'rms-no-idempotency' }, 0, [
        { kind: 'lose-responses', probability: 0.3, atMs: 0, durationMs: 2_000 },
      ]);
      expect(r.ok).toBe(false);
      expect(failed(r)).toContain('idempotent-intake');
    }, 120_000);
  });
});
