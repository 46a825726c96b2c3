// A live run's life as a user meets it: its verdict (invariants, then the service level:
// exit 3), what it leaves on the broker and the database (nothing by default, everything
// with keep until `faultline cleanup`; what a killed `faultline live` left is removed by
// `faultline cleanup RUN`), and stopping it with a signal. Uses the built CLI (npm test builds it).
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerUp, brokers, dbUrl, liveServers, testKafka } from './servers.js';
import { runLive } from '../../harness/live/live-run.js';
import { leftoversOf, type RunLeftovers } from '../../runtime/live/cleanup.js';
import refundsScenario from '../../scenarios/refunds/index.js';

const { pool, up } = await liveServers('live cleanup');
afterAll(async () => pool?.end());

async function leftovers(runId: string): Promise<RunLeftovers> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    return await leftoversOf(admin, pool!, runId);
  } finally {
    await admin.disconnect();
  }
}
const nothing = (runId: string) => ({ runId, topics: [], groups: [], rows: 0 });
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const where = ['--brokers', brokers[0], '--db', dbUrl];

describe.skipIf(!up)('live runs clean up after themselves (real Kafka and PostgreSQL)', () => {
  it('a finished run leaves no topics, groups or rows; a kept one leaves them until faultline cleanup removes it', async () => {
    const opts = { scenarioRef: 'refunds', overrides: { count: 150, ratePerSec: 150 }, kafka: { brokers }, dbUrl, workers: 1, drainDeadlineMs: 60_000 };
    const gone = await runLive(refundsScenario, { ...opts, seed: 31 });
    expect(gone.ok).toBe(true);
    expect(gone.live.leftovers).toBe('removed');
    expect(await leftovers(gone.live.runId)).toEqual(nothing(gone.live.runId));

    const kept = await runLive(refundsScenario, { ...opts, seed: 32, keep: true });
    expect(kept.live.leftovers).toBe('kept');
    const left = await leftovers(kept.live.runId);
    expect(left.topics.length).toBeGreaterThanOrEqual(3);
    expect(left.groups.length).toBeGreaterThan(1);
    expect(left.rows).toBeGreaterThan(150);
    const listed = cli('cleanup', ...where);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`${kept.live.runId}: ${left.topics.length} topics`);
    const removed = cli('cleanup', kept.live.runId, ...where);
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`${kept.live.runId}: removed`);
    expect(await leftovers(kept.live.runId)).toEqual(nothing(kept.live.runId));
  }, 180_000);

  it('what a killed faultline live left, faultline cleanup RUN removes', async () => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'live', 'refunds', ...where, '--workers', '2', '--count', '3000', '--rate', '150', '--seed', '33'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const runId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no run id within 60 s: ${err}`)), 60_000);
      child.stderr.on('data', () => {
        const m = /live run (\S+): topics/.exec(err);
        if (m !== null && /joined/.test(err)) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    await new Promise((r) => setTimeout(r, 3_000));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const left = await leftovers(runId);
    expect(left.topics.length).toBeGreaterThan(0);
    expect(left.rows).toBeGreaterThan(0);
    // The killed run's members stay in their groups until their sessions time out: cleanup waits for them.
    const removed = cli('cleanup', runId, ...where);
    expect(removed.stderr).toBe('');
    expect(removed.status).toBe(0);
    expect(await leftovers(runId)).toEqual(nothing(runId));
  }, 180_000);

  it("runs on the user's existing topics read only their own records, and leave the topics in place", async () => {
    const prefix = `faultline-existing-${Date.now()}.`;
    const admin = testKafka.admin();
    await admin.connect();
    const topics = [['refund-requested', 12], ['refund-outcomes', 12], ['refund-dlq', 1]] as const;
    try {
      // One topic short of its partitions: said before anything runs.
      await admin.createTopics({ waitForLeaders: true, topics: topics.map(([t, n]) => ({ topic: prefix + t, numPartitions: t === 'refund-dlq' ? 2 : n })) });
      const opts = { scenarioRef: 'refunds', overrides: { count: 150, ratePerSec: 150 }, kafka: { brokers }, dbUrl, workers: 1, drainDeadlineMs: 60_000, existingTopicPrefix: prefix };
      await expect(runLive(refundsScenario, { ...opts, seed: 34 })).rejects.toThrow(`${prefix}refund-dlq has 2 partitions, the scenario's refund-dlq 1`);
      await admin.deleteTopics({ topics: [prefix + 'refund-dlq'] });
      await new Promise((r) => setTimeout(r, 1_000));
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: prefix + 'refund-dlq', numPartitions: 1 }] });
      // Twice on the same topics with the same seed (the same refund ids): the second run must not take the first's records for its own.
      for (const seed of [35, 35]) {
        const r = await runLive(refundsScenario, { ...opts, seed });
        expect(r.invariants.filter((i) => !i.ok).map((i) => i.name)).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.outcomes['refunds.PENDING']).toBe(0);
        expect(r.metrics.counters.duplicatesSuppressed ?? 0).toBe(0);
        expect(await leftovers(r.live.runId)).toEqual(nothing(r.live.runId));
      }
      const still = new Set(await admin.listTopics());
      for (const [t] of topics) expect(still.has(prefix + t)).toBe(true);
    } finally {
      await admin.deleteTopics({ topics: topics.map(([t]) => prefix + t) }).catch(() => {});
      await admin.disconnect();
    }
  }, 240_000);

  for (const [signal, code, via] of [['SIGINT', 130, 'node'], ['SIGTERM', 143, 'npx']] as const) {
    it(`${signal} to ${via} faultline live while a fault has the broker down: the broker is started again, the run stops, prints what it has and cleans up`, async () => {
      const plan = JSON.stringify([{ kind: 'broker-restart', atMs: 1_500, downMs: 60_000 }]);
      const args = ['live', 'refunds', ...where, '--workers', '2', '--count', '3000', '--rate', '150', '--seed', '36', '--faults', plan];
      const child = via === 'node'
        ? spawn(process.execPath, ['dist/cli/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('npx', ['faultline', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // npx dies of the signal at once (its exit status says nothing); the run's own process holds the pipes until it ends.
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      const closed = new Promise<void>((r) => child.stdout.once('close', () => r()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the broker was not stopped within 60 s: ${err}`)), 60_000);
        const look = () => {
          if (/fault: stopping the broker/.test(err)) {
            clearTimeout(timer);
            child.stderr.off('data', look);
            resolve();
          }
        };
        child.stderr.on('data', look);
      });
      await new Promise((r) => setTimeout(r, 4_000));
      const stoppedAt = Date.now();
      child.kill(signal);
      const status = await exited;
      await closed;
      if (via === 'node') expect(status).toBe(code);
      expect(Date.now() - stoppedAt).toBeLessThan(90_000);
      expect(out).toContain(`STOPPED by ${signal} (not judged)`);
      expect(out).toMatch(/VIOLATION stopped key=-: stopped by SIG\w+ \d+ s in, during the load: the invariants were not judged/);
      expect(out).not.toMatch(/VIOLATION (?!stopped)/);
      expect(await brokerUp()).toBe(true);
      const runId = /live run (\S+): topics/.exec(err)![1];
      expect(await leftovers(runId)).toEqual(nothing(runId));
    }, 180_000);
  }

  it('a correct run whose callers gave up is judged on its service level: exit 3, ok stays true', () => {
    const r = cli('live', 'refunds', ...where, '--workers', '0', '--count', '150', '--rate', '150', '--seed', '38', '--param', 'clientTimeoutMs=1', '--json');
    expect(r.status).toBe(3);
    const result = JSON.parse(r.stdout) as { ok: boolean; live: { serviceLevel: { ok: boolean; checks: { threshold: string; measured: number; ok: boolean }[] } } };
    expect(result.ok).toBe(true);
    expect(result.live.serviceLevel.ok).toBe(false);
    expect(result.live.serviceLevel.checks.find((c) => c.threshold.startsWith('gaveUpShare'))).toMatchObject({ ok: false });
    // The same run held to nothing passes.
    const none = cli('live', 'refunds', ...where, '--workers', '0', '--count', '150', '--rate', '150', '--seed', '38', '--param', 'clientTimeoutMs=1', '--slo', 'none');
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/^OK: live run/m);
  }, 120_000);

  it('bad run ids and unreachable servers are usage errors (exit 2)', () => {
    const bad = cli('cleanup', 'not a run', ...where);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/is not a run id/);
    const noBroker = cli('cleanup', '--brokers', '127.0.0.1:1', '--db', dbUrl);
    expect(noBroker.status).toBe(2);
    expect(noBroker.stderr).toMatch(/cannot reach a Kafka broker at 127\.0\.0\.1:1/);
    expect(noBroker.stderr).not.toMatch(/at .*\.js:\d+/);
  }, 60_000);
});
