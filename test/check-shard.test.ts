// `check --shard i/N`: N machines split one search. Together they evaluate exactly the
// single machine's candidates, and the shard that meets the first failure reports the
// single machine's counterexample and replay command.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { checkScenario } from '../harness/check.js';
import { shardIndices } from '../checks/search.js';
import scenario from '../scenarios/refunds/index.js';

describe('check --shard', () => {
  it('shards partition the candidate list, interleaved', () => {
    const shards = [1, 2, 3].map((index) => shardIndices(10, { index, count: 3 }));
    expect(shards).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
    expect(shardIndices(4, undefined)).toEqual([0, 1, 2, 3]);
    expect(shardIndices(2, { index: 3, count: 3 })).toEqual([]);
  });

  it('together they run every candidate of the single-machine search, each once', async () => {
    const single = await checkScenario(scenario, { runs: 12, seed: 5, overrides: {} });
    const shards = await Promise.all([1, 2, 3].map((index) => checkScenario(scenario, { runs: 12, seed: 5, overrides: {}, shard: { index, count: 3 } })));
    expect(shards.map((s) => s.runs)).toEqual([4, 4, 4]);
    expect(shards.every((s) => s.ok)).toBe(single.ok);
    // The same candidates: the fault plans planned per kind add up to the single machine's.
    for (const [kind, stats] of Object.entries(single.faultKinds)) {
      expect(shards.reduce((n, s) => n + s.faultKinds[kind as keyof typeof single.faultKinds].planned, 0), kind).toBe(stats.planned);
    }
  });

  it("the shard holding the first failure reports the single machine's counterexample and replay command", async () => {
    const overrides = { variant: 'commit-before-effect' };
    const single = await checkScenario(scenario, { runs: 60, seed: 2, overrides });
    expect(single.ok).toBe(false);
    const first = single.runs - 1;
    expect(first).toBeGreaterThan(3);
    const holder = { index: (first % 3) + 1, count: 3 };
    const sharded = await checkScenario(scenario, { runs: 60, seed: 2, overrides, shard: holder });
    expect(sharded.ok).toBe(false);
    expect(sharded.runs).toBe(Math.floor(first / 3) + 1);
    expect(sharded.counterexample!.path).toBe(single.counterexample!.path);
    expect(sharded.counterexample!.candidate).toEqual(single.counterexample!.candidate);
    expect(sharded.counterexample!.replay).toBe(single.counterexample!.replay);
  });

  it('bad --shard, or a shard without --seed, is exit 2', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', 'check', 'refunds', ...args], { encoding: 'utf8', timeout: 60_000 });
    for (const bad of ['0/3', '4/3', '2', 'a/b']) {
      const r = cli('--shard', bad, '--seed', '1');
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toMatch(/--shard must be i\/N/);
    }
    const noSeed = cli('--shard', '1/2');
    expect(noSeed.status).toBe(2);
    expect(noSeed.stderr).toMatch(/needs --seed/);
  });
});
