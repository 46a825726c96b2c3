import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The CLI as users call it (built by `npm test` before vitest runs).
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('faultline run', () => {
  it('prints the seed first, a summary, and exits 0 when every invariant holds', () => {
    const r = cli('run', 'refunds', '--seed', '5', '--count', '2000');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('faultline run refunds --seed 5 --count 2000');
    expect(r.out).toContain('no-double-effect');
    expect(r.out).toContain('rmsResponse');
    expect(r.out).toMatch(/OK: history [0-9a-f]{16}, seed 5/);
  });

  it('--json prints one run result with the documented fields', () => {
    const r = cli('run', 'refunds', '--seed', '5', '--count', '2000', '--rate', '1000', '--param', 'partitions=6', '--param', 'batchSizeMax=100', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.seed).toBe(5);
    expect(j.historyHash).toMatch(/^[0-9a-f]{16}$/);
    expect(j.invariants).toHaveLength(6);
    for (const i of j.invariants) expect(i).toMatchObject({ ok: true, violations: 0 });
    expect(Object.keys(j.outcomes)).toEqual(expect.arrayContaining(['refunds.PENDING', 'refunds.DISBURSED', 'refunds.REJECTED', 'refunds.DEAD_LETTERED']));
    expect(j.unit).toEqual({ singular: 'refund', plural: 'refunds' });
    expect(j.load).toMatchObject({ planned: 2000, offered: 2000, outstanding: 0 });
    for (const k of ['rmsResponse', 'endToEnd']) expect(Object.keys(j.metrics.latencyMs[k])).toEqual(expect.arrayContaining(['p50', 'p99', 'p999', 'max']));
    expect(j.metrics.headline).toBe('rmsResponse');
    expect(j.metrics.derived.lockAcquisitionsPerRefund).toBeGreaterThan(0);
    expect(j.metrics.completed).toBe(2000);
    expect(j.metrics.throughputPerSec).toBeGreaterThan(0);
    expect(j.params).toMatchObject({ ratePerSec: 1000, partitions: 6, batchSizeMax: 100 });
    expect(j.metrics.latencyMs.batchSize.max).toBeLessThanOrEqual(100);
  });

  it('the same seed prints the same history hash', () => {
    const a = JSON.parse(cli('run', 'refunds', '--seed', '9', '--count', '1500', '--json').out);
    const b = JSON.parse(cli('run', 'refunds', '--seed', '9', '--count', '1500', '--json').out);
    expect(a.historyHash).toBe(b.historyHash);
  });

  it('exits 1 and names the violation when an invariant fails', () => {
    const r = cli('run', 'refunds', '--seed', '5', '--count', '2000', '--variant', 'rms-no-idempotency');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/VIOLATION idempotent-intake key=rf-\d+/);
  });

  it('--trace streams handled messages as NDJSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'trace.ndjson');
    expect(cli('run', 'refunds', '--seed', '1', '--count', '50', '--json', '--trace', file).code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.actor === 'rms' && l.msg.type === 'refund-request')).toBe(true);
  });

  it('runs a user-written scenario module given by path', () => {
    const r = cli('run', 'examples/two-services.ts', '--seed', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('no-lost-shipment');
    expect(r.out).toContain('shipments.SHIPPED');
  });

  it('--faults takes a preset or a JSON file, and reports each fault and whether it fired', () => {
    const preset = JSON.parse(cli('run', 'refunds', '--seed', '2', '--faults', 'chaos', '--json').out);
    expect(preset.ok).toBe(true);
    expect(preset.faults.length).toBeGreaterThan(10);
    expect(preset.faults.every((f: { fired: number }) => f.fired > 0)).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'plan.json');
    writeFileSync(file, JSON.stringify([{ kind: 'crash', actor: 'cs', point: 'cs.after-document-before-commit', occurrence: 10_000, restartAfterMs: 10 }]));
    const r = cli('run', 'refunds', '--seed', '2', '--count', '500', '--faults', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/crash.*cs.*NEVER FIRED/);
  });

  const badInputs: [string, string[], RegExp][] = [
    ['an unknown scenario', ['run', 'nope'], /unknown scenario "nope"/],
    ['a missing scenario file', ['run', './missing.ts'], /no file at/],
    ['a malformed number', ['run', 'refunds', '--count', '12abc'], /--count must be a whole number/],
    ['a negative rate', ['run', 'refunds', '--rate', '-5'], /--rate must be greater than 0/],
    ['a zero partition count', ['run', 'refunds', '--param', 'partitions=0'], /bad parameter "partitions"/],
    ['an unknown parameter', ['run', 'refunds', '--param', 'batchSize=5'], /unknown parameter "batchSize" for scenario "refunds"; its parameters: count, ratePerSec/],
    ['a parameter without a value', ['run', 'refunds', '--param', 'partitions'], /must look like key=value/],
    ['--count and --duration both', ['run', 'refunds', '--count', '5', '--duration', '2'], /--duration and --count/],
    ['an unknown variant', ['run', 'refunds', '--variant', 'nope'], /unknown variant "nope" of scenario "refunds"; its variants: correct, ds-no-idempotency/],
    ['a variant of a scenario that has none', ['run', 'refunds-2pc', '--variant', 'dual-write'], /its variants: correct$/m],
    ['an unknown flag', ['run', 'refunds', '--frobnicate'], /Unknown argument/i],
    ['no command', [], /give a command/],
    ['an unknown fault preset', ['run', 'refunds', '--faults', 'apocalypse'], /neither a preset of this scenario \(none, chaos\), nor a file/],
  ];

  it.each(badInputs)('rejects %s with exit 2 and one paragraph, no stack trace', (_what, args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('takes an inline JSON plan', () => {
    const r = JSON.parse(cli('run', 'refunds', '--seed', '2', '--count', '500', '--json', '--faults', '[{"kind":"crash","actor":"cs","atMs":100,"restartAfterMs":50}]').out);
    expect(r.faults).toEqual([{ kind: 'crash', actor: 'cs', atMs: 100, restartAfterMs: 50, fired: 1 }]);
  });

  it('rejects a bad fault plan file with exit 2, naming the fault and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-'));
    const cases: [string, RegExp][] = [
      ['[{"kind":"pause","actor":"ds","atMs":1,"durationMs":"long"}]', /fault #0 \(pause\), field "durationMs"/],
      ['[{"kind":"crash","actor":"nobody","atMs":1}]', /actor "nobody"/],
      ['{not json', /not readable JSON/],
    ];
    cases.forEach(([text, message], i) => {
      const file = join(dir, `plan${i}.json`);
      writeFileSync(file, text);
      const r = cli('run', 'refunds', '--count', '100', '--faults', file);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  });

  it('rejects an unreadable or wrong-shaped scenario module with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-'));
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, 'export const x = ;\n');
    const shapeless = join(dir, 'shapeless.js');
    writeFileSync(shapeless, 'export default { hello: 1 };\n');
    for (const f of [broken, shapeless]) {
      const r = cli('run', f);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/scenario module/);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('scenarios of any shape', () => {
  it('--duration offers that many seconds of load at the rate', () => {
    const j = JSON.parse(cli('run', 'refunds', '--seed', '1', '--rate', '500', '--duration', '3', '--json').out);
    expect(j.load.planned).toBe(1500);
  });

  it('a ScenarioError thrown by a TypeScript scenario module is bad input (exit 2), not an internal error', () => {
    // Inside the project, so the module's `import … from 'faultline'` resolves (to the build).
    const dir = mkdtempSync(join('test', '.tmp-'));
    try {
      const file = join(dir, 'refuses.ts');
      writeFileSync(file, [
        "import { defineScenario, ScenarioError, loadGenerator } from 'faultline';",
        'export default defineScenario({',
        "  name: 'refuses', description: 'refuses its own parameters',",
        "  topology: (p) => { if (p.count > 10) throw new ScenarioError('count must be at most 10 here'); return { topics: [], actors: [{ name: 'g', behaviour: loadGenerator({ target: 'g', load: p, request: (n, key, replyTo) => ({ type: 'r', key, replyTo }) }) }] }; },",
        '});',
      ].join('\n'));
      const r = cli('run', file, '--count', '50');
      expect(r.err).toMatch(/count must be at most 10 here/);
      expect(r.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--json reaches a slow reader whole (output is flushed before the process exits)', () => {
    // More than a pipe holds (64 KB: 900 timeline points, below the 1,024 where it thins), read only after the
    // writer would have exited: cut output would not parse.
    const file = join(mkdtempSync(join(tmpdir(), 'faultline-')), 'run.json');
    const slow = spawnSync('sh', ['-c', `node dist/cli/main.js run refunds --seed 1 --rate 10 --count 9000 --json | (sleep 2; cat > ${file})`], { encoding: 'utf8' });
    expect(slow.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeGreaterThan(65_536);
    expect(JSON.parse(text).ok).toBe(true);
  });
});

describe('faultline describe', () => {
  it('lists the built-in scenarios, and what one is: parameters, actors, crash points, topics, invariants, variants, presets', () => {
    expect(cli('describe').out).toMatch(/refunds: event-driven refund pipeline[\s\S]*refunds-2pc:/);
    const r = cli('describe', 'refunds');
    expect(r.code).toBe(0);
    for (const text of ['batchSizeMax', 'crash points: ds.holding-lock', 'refund-requested: 12 partitions', 'no-double-effect:', 'dual-write:', 'fault presets (--faults): none, chaos']) expect(r.out).toContain(text);
    const j = JSON.parse(cli('describe', 'examples/two-services.ts', '--json').out);
    expect(j.actors.map((a: { name: string }) => a.name)).toEqual(['customers', 'api', 'shipper']);
    expect(j.invariants.map((i: { name: string }) => i.name)).toEqual(['shipment-lifecycle', 'no-lost-shipment', 'one-shipment-per-request']);
  });
});

describe('a scenario of your own, in a folder with no faultline installed', () => {
  it('imports \'faultline\' (the kit, the stream checkers) and runs and checks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-user-'));
    const file = join(dir, 'echo.ts');
    writeFileSync(file, `import { defineScenario, loadGenerator, distinctKeys, CircuitBreaker, type Behaviour } from 'faultline';
type Ask = { type: 'ask'; key: string; replyTo: number };
const breaker = new CircuitBreaker({ minimumNumberOfCalls: 5 });
const echo: Behaviour<null, Ask | { type: string }> = {
  init: () => null,
  receive(s, m, ctx) {
    if (m.type === 'ask' && breaker.tryAcquirePermission(ctx.now())) {
      const a = m as Ask;
      ctx.store.insertIfAbsent('answers', a.key, { key: a.key });
      ctx.gauge('answers', 1);
      ctx.send(a.replyTo, { type: 'response', key: a.key, status: 'ok' });
    }
    return s;
  },
};
export default defineScenario({
  name: 'echo', description: 'callers ask, a service answers once per key', load: { count: 50, ratePerSec: 100 },
  topology: (p) => ({ topics: [], actors: [
    { name: 'callers', behaviour: loadGenerator<Ask>({ target: 'svc', load: p, request: (_n, key, replyTo) => ({ type: 'ask', key, replyTo }) }) },
    { name: 'svc', behaviour: echo },
  ] }),
  invariants: () => [distinctKeys({ name: 'one-answer-per-key', rows: { store: 'svc', table: 'answers' } })],
});
`);
    try {
      const run = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'run', file, '--seed', '1'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/one-answer-per-key\s+│ yes/);
      const check = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'check', file, '--runs', '20', '--seed', '1'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
