import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('faultline check', () => {
  it('passes the correct pipeline (exit 0) and reports per fault kind what fired', () => {
    const r = cli('check', 'refunds', '--seed', '5', '--runs', '60', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, runs: 60, seed: 5 });
    expect(j.counterexample).toBeUndefined();
    expect(Object.values(j.faultKinds as Record<string, { fired: number }>).some((k) => k.fired > 0)).toBe(true);
  });

  it('finds a broken variant (exit 1): invariant, key, minimal plan and a replay command that reproduces it', () => {
    const r = cli('check', 'refunds', '--seed', '7', '--runs', '100', '--variant', 'cs-no-idempotency');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('faultline check refunds --seed 7 --runs 100 --variant cs-no-idempotency');
    expect(r.out).toMatch(/FAILED: invariant [a-z-]+ broken for key rf-\d+/);
    const replay = r.out.match(/replay: faultline (replay .*)/)![1];
    const hash = r.out.match(/history ([0-9a-f]{16})/)![1];
    // As a user pastes it into a shell.
    const again = spawnSync('sh', ['-c', `node dist/cli/main.js ${replay}`], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stdout).toContain(`FAILED: history ${hash}`);
  });

  it('gives the same counterexample with one worker or two', () => {
    const one = JSON.parse(cli('check', 'refunds', '--seed', '7', '--runs', '400', '--variant', 'client-retry-new-key', '--json').out);
    const two = JSON.parse(cli('check', 'refunds', '--seed', '7', '--runs', '400', '--variant', 'client-retry-new-key', '--json', '--workers', '2').out);
    expect(two.workers).toBe(2);
    expect(two.counterexample.path).toBe(one.counterexample.path);
    expect(two.counterexample.historyHash).toBe(one.counterexample.historyHash);
    expect(two.runs).toBe(one.runs);
    expect(two.faultKinds).toEqual(one.faultKinds);
    expect(two.faultTargets).toEqual(one.faultTargets);
    expect(Object.keys(one.faultTargets).length).toBeGreaterThan(0);
    expect(one.counterexample).toMatchObject({ invariant: 'idempotent-intake', key: expect.stringMatching(/^rf-\d+$/) });
    expect(one.counterexample.plan.length).toBeGreaterThan(0);
    expect(one.counterexample.replay).toMatch(/^faultline replay refunds --plan '\{"seed":\d+,.*\}' --variant client-retry-new-key$/);
  });

  it('replays a saved counterexample from a plan file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'ce.json');
    writeFileSync(file, JSON.stringify({ seed: 0, workload: {}, faults: [{ kind: 'lose-response', to: 'client', messageType: 'refund-response', atMs: 0, count: 1 }] }));
    expect(cli('replay', 'refunds', '--plan', file, '--variant', 'client-retry-new-key').code).toBe(1);
    expect(cli('replay', 'refunds', '--plan', file).code).toBe(0);
    // Inline too; a bare fault list is not a counterexample, and says what to do with it.
    expect(cli('replay', 'refunds', '--plan', readFileSync(file, 'utf8'), '--variant', 'client-retry-new-key').code).toBe(1);
    const bare = cli('replay', 'refunds', '--plan', '[{"kind":"pause","actor":"ds","atMs":1,"durationMs":5}]');
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/bare fault list/);
  });

  it('lists the bug zoo', () => {
    const r = cli('check', 'refunds', '--list-variants');
    expect(r.code).toBe(0);
    for (const v of ['ds-no-idempotency', 'dual-write', 'commit-before-effect', 'lock-no-fencing', 'cs-no-idempotency', 'client-retry-new-key']) expect(r.out).toMatch(new RegExp(`^${v} +\\S`, 'm'));
  });

  const bad: [string, string[], RegExp][] = [
    ['zero runs', ['check', 'refunds', '--runs', '0'], /--runs must be at least 1/],
    ['a malformed worker count', ['check', 'refunds', '--workers', 'two'], /--workers must be a whole number/],
    ['replay without a path or plan', ['replay', 'refunds', '--seed', '1'], /either --seed S --path P/],
    ['a malformed path', ['replay', 'refunds', '--seed', '1', '--path', 'abc'], /--path must look like 12:0:3/],
    ['a path without its seed', ['replay', 'refunds', '--path', '3:1'], /--path needs the --seed/],
    ['a missing plan file', ['replay', 'refunds', '--plan', '/nonexistent/ce.json'], /no such file/],
    ['check without a scenario', ['check'], /give a scenario/],
  ];
  it.each(bad)('rejects %s with exit 2 and no stack trace', (_what, args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('faultline capacity', () => {
  it('sweeps, writes Markdown, and exits 0 when the knee reaches --min-rate, 3 when it does not', () => {
    const md = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'cap.md');
    const ok = cli('capacity', 'refunds', '--rates', '2000..4000', '--steps', '2', '--duration', '6', '--seed', '1', '--md', md);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/knee refunds: at least 4,000 refunds\/s offered/);
    const j = JSON.parse(cli('capacity', 'refunds', '--rates', '2000..30000', '--steps', '2', '--duration', '6', '--seed', '1', '--json', '--min-rate', '30000').out);
    expect(j.kind).toBe('capacity');
    expect(j.knees[0].ratePerSec).toBe(2000);
    expect(cli('capacity', 'refunds', '--rates', '2000..30000', '--steps', '2', '--duration', '6', '--seed', '1', '--min-rate', '30000').code).toBe(3);
  });

  it.each([
    [['capacity', 'refunds'], /Missing required argument: rates/],
    [['capacity', 'refunds', '--rates', '5..1'], /from <= to/],
    [['capacity', 'refunds', '--rates', '1..2', '--slo', 'latency is fine'], /threshold "latency is fine" must look like/],
    [['capacity', 'refunds', '--rates', '1..2', '--sweep', 'batchSizeMax=100,big'], /bad parameter "batchSizeMax"/],
    [['capacity', 'refunds', '--rates', '1..2', '--sweep', 'sizes'], /--sweep must look like/],
    [['capacity', 'refunds', '--rates', '1..2', '--count', '5'], /drop --count and --rate/],
  ] as [string[], RegExp][])('rejects bad input %# with exit 2', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('faultline report and run thresholds', () => {
  it('renders a saved run result to Markdown and self-contained HTML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-'));
    const saved = join(dir, 'run.json');
    writeFileSync(saved, cli('run', 'refunds', '--seed', '2', '--count', '1500', '--json').out);
    const r = cli('report', saved, '--html', join(dir, 'r.html'), '--md', join(dir, 'r.md'));
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toMatch(/<figure class="chart"><svg/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(/\| no-double-effect \| yes \| 0 \|/);
  });

  it('exits 3 when a run misses a threshold, 0 when it meets it', () => {
    expect(cli('run', 'refunds', '--seed', '2', '--count', '1500', '--slo', 'rmsResponse.p99<1').code).toBe(3);
    expect(cli('run', 'refunds', '--seed', '2', '--count', '1500', '--slo', 'rmsResponse.p99<10000').code).toBe(0);
    // On outcomes and derived figures too; a name the run does not have fails and lists those it has.
    expect(cli('run', 'refunds', '--seed', '2', '--count', '1500', '--slo', 'refunds.PENDING==0,lockAcquisitionsPerRefund<0.01').code).toBe(0);
    // A name the run does not measure is a typo: bad usage, naming what it does measure.
    const missing = cli('run', 'refunds', '--seed', '2', '--count', '1500', '--slo', 'stuck==0');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/"stuck==0" names nothing this run measures; it measures .*refunds.PENDING/);
    expect(cli('run', 'refunds', '--seed', '2', '--count', '1500', '--slo', 'nosuch.p99<5').code).toBe(2);
  });

  it.each([
    [['report', '/nonexistent.json'], /no result file/],
    [['run', 'refunds', '--slo', 'fast please'], /threshold "fast please" must look like/],
  ] as [string[], RegExp][])('rejects bad input %# with exit 2', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('rejects a JSON file that is not a result', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'x.json');
    writeFileSync(f, '{"hello": 1}');
    const r = cli('report', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a faultline run or capacity result/);
  });
});

describe('--arrival', () => {
  it('runs a spike profile from the command line, and names the forms when it cannot read one', () => {
    const j = JSON.parse(cli('run', 'refunds', '--seed', '1', '--count', '6000', '--rate', '1000', '--arrival', 'spike:3:2000:1000', '--json').out);
    expect(j.params.arrival).toEqual({ kind: 'spike', factor: 3, atMs: 2000, durationMs: 1000 });
    const perSecond = j.timeline.slice(1, 5).map((p: { offered: number }, i: number) => p.offered - j.timeline[i].offered);
    expect(perSecond[2]).toBeGreaterThan(2.5 * perSecond[0]); // the third second is the spike
    const bad = cli('run', 'refunds', '--arrival', 'spike:3');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--arrival "spike:3" must be one of poisson, constant, ramp/);
  });
});
