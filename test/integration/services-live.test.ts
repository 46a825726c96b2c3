// Request/response scenarios live with every service in a process of its own, the calls
// between them over HTTP (faultline live --service-processes): the gateway under lost
// answers between processes, the dual-database writer through an outage with its retriers
// in a worker process, and two broken designs caught the same way as in the simulator.
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, dbUrl, liveServers } from './servers.js';
import { runLive, type LiveRunResult } from '../../harness/live/live-run.js';
import type { Scenario } from '../../harness/scenario.js';
import type { LiveFault } from '../../runtime/live/live-faults.js';
import gateway from '../../scenarios/gateway/index.js';
import incidents from '../../scenarios/incidents/index.js';
import dualWrites from '../../scenarios/dual-writes/index.js';

const { pool, up } = await liveServers('faultline live --service-processes');
afterAll(async () => pool?.end());

const live = (scenario: Scenario<any>, ref: string, seed: number, overrides: Record<string, unknown>, workers: number, faults: LiveFault[] = []) =>
  runLive(scenario, {
    scenarioRef: ref, seed, overrides, kafka: { brokers }, dbUrl, workers, faults, serviceProcesses: true, drainDeadlineMs: 60_000,
    log: process.env.FAULTLINE_LIVE_LOG === '1' ? (line: string) => console.error(`[live ${ref} ${seed}] ${line}`) : undefined,
  });

const failed = (r: LiveRunResult) => r.invariants.filter((i) => !i.ok).map((i) => i.name);
// MongoDB's outage runs from the run's start (its clock counts from before the processes start, a few seconds) past the load.
const OUTAGE_MS = 20_000;
const lostAnswers: LiveFault[] = [{ kind: 'lose-responses', probability: 0.1, atMs: 0, durationMs: 4_000 }];

describe.skipIf(!up)('services in processes of their own, over HTTP (real Kafka and PostgreSQL)', () => {
  it('gateway: five service processes; answers lost between them; every invariant holds', async () => {
    const r = await live(gateway as unknown as Scenario<any>, 'gateway', 31, { count: 600, ratePerSec: 100, clientTimeoutMs: 3_000 }, 0, lostAnswers);
    expect({ failed: failed(r), errors: r.sim.actorErrors.slice(0, 3) }).toEqual({ failed: [], errors: [] });
    expect(r.live.serviceProcesses).toBe(5);
    // Every request crossed at least twice (client -> gateway -> limiter), most three times.
    expect(r.metrics.counters['live.http.requests']).toBeGreaterThan(2 * 600);
    expect(r.metrics.counters['live.http.answersLost']).toBeGreaterThan(0);
    expect(r.metrics.completed).toBeGreaterThan(0);
  }, 180_000);

  it('dual-writes: through an outage, the retriers in a worker process compensate what MongoDB missed; the databases agree', async () => {
    const r = await live(dualWrites as unknown as Scenario<any>, 'dual-writes', 32, { count: 400, ratePerSec: 50, outageAtMs: 0, outageMs: OUTAGE_MS }, 1);
    expect({ failed: failed(r), errors: r.sim.actorErrors.slice(0, 3) }).toEqual({ failed: [], errors: [] });
    expect(r.live.serviceProcesses).toBe(4);
    expect(r.metrics.counters['retrier.compensations'] ?? 0).toBeGreaterThan(0);
    expect(r.outcomes.compensated).toBeGreaterThan(0);
  }, 180_000);

  it('incidents retry-without-key: a debit whose answer was lost between processes is made twice, and caught', async () => {
    const r = await live(incidents as unknown as Scenario<any>, 'incidents', 33, { count: 400, ratePerSec: 50, variant: 'retry-without-key' }, 0, [{ kind: 'lose-responses', probability: 0.2, atMs: 0, durationMs: 8_000 }]);
    expect(failed(r)).toContain('no-double-debit');
  }, 180_000);

  it('dual-writes no-compensation: writes dead-lettered and left in two databases are caught', async () => {
    const r = await live(dualWrites as unknown as Scenario<any>, 'dual-writes', 34, { count: 300, ratePerSec: 50, outageAtMs: 0, outageMs: OUTAGE_MS, variant: 'no-compensation' }, 1);
    expect(failed(r)).toEqual(['databases-agree']);
  }, 180_000);
});
