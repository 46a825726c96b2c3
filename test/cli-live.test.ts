// faultline live's bad input, without a broker or a database: every mistake is one
// paragraph on stderr, exit 2, within seconds, and a secret never shows.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { connectionFrom, describeConnection, parseBrokers } from '../runtime/live/kafka-connection.js';
import { loadLiveFaults, liveFaultPreset, type LiveTargets } from '../harness/live/fault-plan.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const t = Date.now();
  const r = spawnSync(process.execPath, ['dist/cli/main.js', 'live', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t };
};
const broker = ['--brokers', '127.0.0.1:19092'];
const db = ['--db', 'postgres://postgres@127.0.0.1:1/faultline'];

function usage(r: ReturnType<typeof cli>, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
}

describe('faultline live: bad input is exit 2 with a clear message', () => {
  it('says what is wrong with the flags of a run that workers join, and with a worker\'s', () => {
    usage(cli(['refunds', ...broker, ...db, '--join-workers', '2', '--listen', '0.0.0.0:7311']), /--listen 0.0.0.0 is every address, and the other processes must be told one/);
    usage(cli(['refunds', ...broker, ...db, '--join-workers', '2', '--listen', '10.0.0.5']), /--listen "10.0.0.5" is not HOST:PORT/);
    usage(cli(['refunds', ...broker, ...db, '--join-workers', 'two']), /--join-workers must be a whole number/);
    usage(cli(['refunds', ...broker, ...db, '--join-workers', '1'], { FAULTLINE_JOIN_TOKEN: 'short' }), /FAULTLINE_JOIN_TOKEN is 5 characters: use at least 16/);
    const worker = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'worker', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FAULTLINE_JOIN_TOKEN: '', ...env } });
      return { code: r.status, out: r.stdout, err: r.stderr, ms: 0 };
    };
    usage(worker(['--join', 'ws://127.0.0.1:7311/join', ...broker, ...db]), /faultline worker needs the run's token in FAULTLINE_JOIN_TOKEN/);
    usage(worker(['--join', 'http://127.0.0.1:7311/join', ...broker, ...db], { FAULTLINE_JOIN_TOKEN: 'x'.repeat(20) }), /--join must be a ws:\/\/ URL/);
    usage(worker(['--join', 'nowhere', ...broker, ...db], { FAULTLINE_JOIN_TOKEN: 'x'.repeat(20) }), /--join "nowhere" is not a URL/);
    usage(worker([...broker, ...db]), /Missing required argument: join/);
  });

  it('names what is missing or malformed', () => {
    usage(cli(['refunds', ...db]), /live needs --brokers HOST:PORT/);
    usage(cli(['refunds', '--brokers', 'localhost', ...db]), /"localhost" is not HOST:PORT/);
    usage(cli(['refunds', '--brokers', '127.0.0.1:99999', ...db]), /not HOST:PORT/);
    usage(cli(['refunds', ...broker]), /live needs --db URL/);
    usage(cli(['refunds', ...broker, '--db', 'not a url']), /is not a URL/);
    usage(cli(['refunds', ...broker, '--db', 'mysql://x@127.0.0.1/db']), /must be a postgres:\/\/ URL/);
    usage(cli(['refunds', ...broker, ...db, '--workers', '-1']), /--workers must be at least 0/);
    // A typo in a threshold costs no live run: checked against a small simulated one first.
    usage(cli(['refunds', ...broker, ...db, '--slo', 'rmsRespons.p99<100']), /--slo "rmsRespons.p99<100" names nothing this scenario measures; it measures .*completedShare/);
    usage(cli(['refunds', ...broker, ...db, '--existing-topics', 'a b']), /--existing-topics "a b" cannot start a Kafka topic name/);
    usage(cli(['refunds', ...broker, ...db, '--sasl-mechanism', 'kerberos', '--sasl-username', 'u', '--sasl-password', 'p']), /not one of plain, scram-sha-256, scram-sha-512/);
    usage(cli(['refunds', ...broker, ...db, '--sasl-username', 'u']), /without --sasl-mechanism/);
    usage(cli(['refunds', ...broker, ...db, '--tls-ca', '/nonexistent/ca.pem']), /cannot read the CA file/);
    usage(cli(['refunds', ...broker, ...db, '--param', 'partitions=none']), /bad parameter "partitions"/);
    usage(cli(['refunds', ...broker, ...db, '--faults', '[{"kind":"outage","topic":"refund-requested","atMs":1}]']), /live runs know kill-worker/);
    // A crash at a time is the simulator's; live, a crash names its point.
    usage(cli(['refunds', ...broker, ...db, '--faults', '[{"kind":"crash","actor":"ds","atMs":1}]']), /fault #0 \(crash\), field "(point|atMs)"/);
    usage(cli(['refunds', ...broker, ...db, '--workers', '1', '--faults', '[{"kind":"kill-worker","worker":3,"atMs":1}]']), /names worker 3, but the run has 1 worker process/);
    usage(cli(['refunds', ...broker, ...db, '--faults', 'nope']), /neither a live preset/);
    usage(cli(['refunds', '--brokers', '127.0.0.1:19999', ...db, '--faults', 'broker-restart']), /is not one it started/);
    usage(cli(['refunds', ...broker, ...db, '--faults', '[{"kind":"slow-consumer","actor":"csx","delayMs":5,"atMs":0,"durationMs":5}]']), /names actor "csx", which this scenario does not have/);
  });

  it('an unreachable database is exit 2 within 30 s, and its password is not printed', () => {
    const r = cli(['refunds', ...broker, '--db', 'postgres://alice:s3cret-pw@127.0.0.1:1/faultline', '--workers', '0']);
    usage(r, /cannot use the database at postgres:\/\/alice:\*\*\*@127\.0\.0\.1:1\/faultline/);
    expect(r.err + r.out).not.toContain('s3cret-pw');
    expect(r.ms).toBeLessThan(30_000);
  });

  it('a database password is not printed however the URL carries it', () => {
    for (const url of ['postgres://alice:pa/ss-w0rd@127.0.0.1:1/faultline', 'postgres://alice@127.0.0.1:1/faultline?password=pa-ss-w0rd']) {
      const r = cli(['refunds', ...broker, '--db', url, '--workers', '0']);
      expect(r.code).toBe(2);
      expect(r.err + r.out).not.toMatch(/pa\/?ss-w0rd|pa-ss-w0rd/);
    }
  });

  it('a SASL password from the environment is never printed', () => {
    const r = cli(['refunds', ...broker, ...db, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', 'bob'], { FAULTLINE_KAFKA_SASL_PASSWORD: 'hunter2-secret' });
    expect(r.code).toBe(2);
    expect(r.err + r.out).not.toContain('hunter2-secret');
  });
});

describe('live connection settings', () => {
  it('reads SASL and TLS from flags or the environment, and describes them without the password', () => {
    const c = connectionFrom('127.0.0.1:19092,broker-2:9093', {}, { FAULTLINE_KAFKA_SASL_MECHANISM: 'PLAIN', FAULTLINE_KAFKA_SASL_USERNAME: 'u', FAULTLINE_KAFKA_SASL_PASSWORD: 'pw', FAULTLINE_KAFKA_TLS: '1' });
    expect(c.brokers).toEqual(['127.0.0.1:19092', 'broker-2:9093']);
    expect(c.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'pw' });
    expect(c.tls).toBeDefined();
    const shown = JSON.stringify(describeConnection(c));
    expect(shown).not.toContain('pw"');
    expect(describeConnection(c)).toEqual({ brokers: ['127.0.0.1:19092', 'broker-2:9093'], tls: true, sasl: { mechanism: 'plain', username: 'u' } });
    expect(() => parseBrokers(' , ')).toThrow(/empty/);
  });

  it('fault presets are drawn from the seed: the same seed, the same schedule', () => {
    const t = (workers: number): LiveTargets => ({ workers, loadMs: 10_000, consumers: ['batcher', 'cs'], producers: ['outbox-relay', 'ds'] });
    expect(liveFaultPreset('chaos', 7, t(2))).toEqual(liveFaultPreset('chaos', 7, t(2)));
    expect(liveFaultPreset('chaos', 7, t(2))).not.toEqual(liveFaultPreset('chaos', 8, t(2)));
    const kills = loadLiveFaults('kill-workers', 7, t(2));
    expect(kills.length).toBeGreaterThan(0);
    for (const k of kills) expect(k).toMatchObject({ kind: 'kill-worker' });
    expect(loadLiveFaults('kill-workers', 7, t(0))).toEqual([]);
    expect(() => loadLiveFaults('[{"kind":"slow-consumer","actor":"cs","delayMs":-1,"atMs":0,"durationMs":5}]', 1, t(1))).toThrow(/fault #0 \(slow-consumer\), field "delayMs"/);
  });

  it('presets aim at what the pipeline has: its last consuming stage, its last producer', () => {
    const chaos = liveFaultPreset('chaos', 7, { workers: 1, loadMs: 10_000, consumers: ['batcher', 'cs'], producers: ['outbox-relay', 'ds'] })!;
    expect(chaos.find((f) => f.kind === 'slow-consumer')).toMatchObject({ actor: 'cs' });
    expect(chaos.find((f) => f.kind === 'lose-produce-acks')).toMatchObject({ actor: 'ds' });
    expect(liveFaultPreset('slow-consumers', 7, { workers: 1, loadMs: 10_000, consumers: [], producers: [] })).toEqual([]);
  });

  it('crash points and poison records: the preset crashes at every declared point once; a plan names the point or topic, and an unknown one is exit 2', () => {
    const crashPoints = [{ actor: 'ds', point: 'ds.holding-lock' }, { actor: 'cs', point: 'cs.after-document-before-commit' }];
    const plan = liveFaultPreset('crash-points', 7, { workers: 1, loadMs: 10_000, consumers: [], producers: [], crashPoints })!;
    expect(plan.map((f) => f.kind === 'crash' && `${f.actor}@${f.point}`)).toEqual(['ds@ds.holding-lock', 'cs@cs.after-document-before-commit']);
    for (const f of plan) expect(f).toMatchObject({ occurrence: expect.any(Number), afterMs: expect.any(Number) });
    expect(loadLiveFaults('[{"kind":"crash","actor":"cs","point":"after-sends"}]', 1, { workers: 1, loadMs: 1_000, consumers: [], producers: [] }))
      .toEqual([{ kind: 'crash', actor: 'cs', point: 'after-sends', occurrence: 1 }]);
    expect(loadLiveFaults('[{"kind":"poison","topic":"refund-requested","key":"rf-1"}]', 1, { workers: 1, loadMs: 1_000, consumers: [], producers: [] }))
      .toEqual([{ kind: 'poison', topic: 'refund-requested', key: 'rf-1' }]);
    usage(cli(['refunds', ...broker, ...db, '--faults', '[{"kind":"poison","topic":"nowhere","key":"rf-1"}]']), /the poison fault names topic "nowhere", which this scenario does not have/);
    usage(cli(['refunds', ...broker, ...db, '--faults', '[{"kind":"crash","actor":"cs","point":"nowhere"}]']), /the crash fault names crash point "nowhere" of "cs", which it does not have; it has: cs.after-document-before-commit, before-commit/);
  });
});
