// orders (seeds/002) live: the same behaviours on the project's broker and PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, dbUrl, liveServers, removeKeptRuns } from './servers.js';
import { runLive, type LiveRunResult } from '../../harness/live/live-run.js';
import { PgStore } from '../../runtime/live/pg-store.js';
import { executeScenario } from '../../harness/run.js';
import orders from '../../scenarios/orders/index.js';
import type { Order } from '../../scenarios/orders/worker.js';
import type { LiveFault } from '../../runtime/live/live-faults.js';

const { pool, up } = await liveServers('orders live');
// Every run here is kept to read its rows, and removed after the file.
const kept: string[] = [];
afterAll(async () => {
  await removeKeptRuns(pool, kept);
  await pool?.end();
});

// Short real-time waits: a live run is seconds, not the seed's minutes.
const QUICK = { paymentLatencyMs: 20, retryDelayMs: 50, chargeTimeoutMs: 2_000 };
const live = (seed: number, overrides: Record<string, unknown>, workers: number, faults: LiveFault[] = []) =>
  runLive(orders, { scenarioRef: 'orders', seed, overrides: { ...QUICK, ...overrides }, kafka: { brokers }, dbUrl, workers, faults, drainDeadlineMs: 90_000, keep: true }).then((r) => {
    kept.push(r.live.runId);
    return r;
  });

async function statuses(r: LiveRunResult): Promise<Map<string, string>> {
  const db = await new PgStore(pool!, `${r.live.runId}/orders-db`).load();
  return new Map([...(db.table('orders') as Map<string, Order>)].map(([k, o]) => [k, o.status]));
}

describe.skipIf(!up)('orders live (real Kafka and PostgreSQL)', () => {
  it('conformance: the same workload seed ends every order the same way in the simulator and live', async () => {
    // The payment service decides by the charge's key, so both runtimes decide alike whatever the order of arrival.
    const overrides = { count: 120, ratePerSec: 40, approvalRate: 0.4, variant: 'fixed' };
    const sim = executeScenario(orders, orders.parse({ ...QUICK, ...overrides }), { seed: 7 }).sim;
    const simStatus = new Map([...(sim.store('orders-db').table('orders') as Map<string, Order>)].map(([k, o]) => [k, o.status]));
    const r = await live(7, overrides, 1);
    expect(r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message}`)).toEqual([]);
    const liveStatus = await statuses(r);
    expect(liveStatus.size).toBe(simStatus.size);
    expect([...simStatus].filter(([k, s]) => liveStatus.get(k) !== s)).toEqual([]);
    expect(new Set(simStatus.values())).toEqual(new Set(['PAID', 'FAILED']));
  }, 120_000);

  it('the fix holds with two worker processes, one SIGKILLed and restarted', async () => {
    const r = await live(8, { count: 150, ratePerSec: 30, variant: 'fixed' }, 2, [{ kind: 'kill-worker', worker: 1, atMs: 2_000, restartAfterMs: 1_000 }]);
    expect(r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message}`)).toEqual([]);
    expect(r.live.workerKills).toBe(1);
    expect(r.ok).toBe(true);
  }, 120_000);

  it('the breaker design through a payment-service outage: every order ends, and each worker process\'s breakers are gauged under its own name', async () => {
    const r = await live(9, { count: 150, ratePerSec: 30, variant: 'breaker', paymentOutageAtMs: 1_500, paymentOutageMs: 3_000 }, 2);
    expect(r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.examples[0]?.message}`)).toEqual([]);
    expect(r.metrics.counters['orders.breakerOpened']).toBeGreaterThan(0);
    const gauges = Object.keys(r.metrics.gauges ?? {});
    expect(gauges).toEqual(expect.arrayContaining(['breaker.payment-worker-1@w1', 'breaker.payment-worker-1@w2']));
    expect(Math.max(...Object.values(r.metrics.gauges ?? {}).map((g) => g.max))).toBe(2);
  }, 120_000);
});
