// Workers that join a live run over TCP from processes the coordinator did not start, as on
// other machines (here on loopback): `faultline live … --join-workers N` waits for them,
// `faultline worker --join URL` brings each with its own broker and database settings, and
// sends go straight between the processes. Faults: SIGKILLs of joined workers (their
// supervisors start them again), lost answers, a slow consumer. Uses the built CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { brokers, dbUrl, liveServers } from './servers.js';

const { pool, up } = await liveServers('joined workers');
afterAll(async () => pool?.end());

const where = ['--brokers', brokers[0], '--db', dbUrl];
const TOKEN = 'joined-workers-test-token-0001';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function start(args: string[], token = TOKEN): { child: ChildProcess; done: Promise<Ran>; err: () => string } {
  const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAULTLINE_JOIN_TOKEN: token } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Ran>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  return { child, done, err: () => err };
}

/** The join URL the coordinator says once it listens. */
async function joinUrlOf(coordinator: ReturnType<typeof start>): Promise<string> {
  const end = Date.now() + 60_000;
  for (;;) {
    const m = /faultline worker --join (ws:\/\/\S+)/.exec(coordinator.err());
    if (m !== null) return m[1];
    if (Date.now() > end || coordinator.child.exitCode !== null) throw new Error(`no join URL: ${coordinator.err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!up)('workers joining a live run over TCP (real Kafka and PostgreSQL)', () => {
  it('a forked and two joined workers share the work under kills, lost answers and a slow consumer; every invariant holds', async () => {
    const faults = JSON.stringify([
      { kind: 'kill-worker', worker: 2, atMs: 2_000, restartAfterMs: 1_500 },
      { kind: 'kill-worker', worker: 3, atMs: 5_000, restartAfterMs: 1_000 },
      { kind: 'lose-responses', probability: 0.05, atMs: 1_000, durationMs: 5_000 },
      { kind: 'slow-consumer', actor: 'cs', delayMs: 100, atMs: 3_000, durationMs: 3_000 },
    ]);
    const coordinator = start(['live', 'refunds', ...where, '--workers', '1', '--join-workers', '2', '--listen', '127.0.0.1:0', '--count', '1500', '--rate', '200', '--seed', '61', '--faults', faults,
      // Two kills on two cores: the scenario's own p99 target (10 s) is not the point here (a run of three forked workers under these faults measured 13 s too).
      '--slo', 'completedShare>=0.99,shedShare<=0.01,gaveUpShare<=0.01', '--json']);
    const url = await joinUrlOf(coordinator);
    const joiners = [start(['worker', '--join', url, ...where]), start(['worker', '--join', url, ...where])];
    const ran = await coordinator.done;
    const [a, b] = await Promise.all(joiners.map((j) => j.done));
    expect(ran.err).not.toMatch(/internal error/);
    const result = JSON.parse(ran.out) as { ok: boolean; metrics: { counters: Record<string, number> }; invariants: { name: string; ok: boolean }[]; faults: { fired: number }[]; live: { serviceLevel: unknown; workers: number; joinedWorkers: number; workerKills: number; messagesByWorker: number[]; leftovers: unknown } };
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect({ code: ran.code, serviceLevel: result.live.serviceLevel }).toMatchObject({ code: 0 });
    // Sends crossed between the processes (straight, not through the coordinator).
    expect(result.metrics.counters['live.sendsBetweenProcesses']).toBeGreaterThan(50);
    expect(result.live.workers).toBe(3);
    expect(result.live.joinedWorkers).toBe(2);
    expect(result.live.workerKills).toBe(2);
    // Each joined worker did its share (consumer groups spread the partitions over all three).
    expect(result.live.messagesByWorker.every((n) => n > 0)).toBe(true);
    expect(result.live.leftovers).toBe('removed');
    // Both joined supervisors started their worker again after its kill, and ended with the run.
    for (const j of [a, b]) {
      expect(j.code).toBe(0);
      expect(j.err).toMatch(/SIGKILL \(a fault of the run\)/);
      expect(j.err).toMatch(/starting worker \d again/);
      expect(j.err).toMatch(/the run ended/);
    }
  }, 240_000);

  it('a worker with another token, or another scenario, is not taken, and says why (exit 2)', async () => {
    const coordinator = start(['live', 'refunds', ...where, '--workers', '0', '--join-workers', '1', '--listen', '127.0.0.1:0', '--join-seconds', '60', '--count', '100', '--seed', '62']);
    const url = await joinUrlOf(coordinator);
    const wrongToken = await start(['worker', '--join', url, ...where], 'not-the-token-of-this-run-000').done;
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.err).toContain('refused this token: set FAULTLINE_JOIN_TOKEN to the token of the run');
    const otherScenario = await start(['worker', '--join', url, ...where, '--scenario', 'orders']).done;
    expect(otherScenario.code).toBe(2);
    expect(otherScenario.err).toMatch(/its scenario "orders" is not the coordinator's/);
    const ran = await coordinator.done;
    expect(ran.code).toBe(2);
    expect(ran.err).toMatch(/worker 1 \(joined from .*\) could not start: its scenario "orders" is not the coordinator's/);
    expect(ran.err).not.toMatch(/at .*\.js:\d+/);
  }, 180_000);

  it('Ctrl-C while the run waits for its workers stops it at once and cleans up (exit 130)', async () => {
    const coordinator = start(['live', 'refunds', ...where, '--workers', '0', '--join-workers', '2', '--listen', '127.0.0.1:0', '--count', '100', '--seed', '63']);
    await joinUrlOf(coordinator);
    const asked = Date.now();
    coordinator.child.kill('SIGINT');
    const ran = await coordinator.done;
    expect(ran.code).toBe(130);
    expect(Date.now() - asked).toBeLessThan(30_000);
    expect(ran.out).toMatch(/STOPPED by SIGINT/);
    expect(ran.out).toMatch(/removed/);
  }, 120_000);

  it('nothing listening, or a URL that is not a run: exit 2 with the reason, not a stack trace', async () => {
    const none = await start(['worker', '--join', 'ws://127.0.0.1:1/join', ...where]).done;
    expect(none.code).toBe(2);
    expect(none.err).toContain('nothing listens there');
    const noToken = await start(['worker', '--join', 'ws://127.0.0.1:1/join', ...where], '').done;
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain("needs the run's token in FAULTLINE_JOIN_TOKEN");
  });
});
