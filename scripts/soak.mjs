// npm run soak: the correct pipelines under long random-seed searches, every fault kind in
// the space (about 50,000 runs, a few minutes on two cores). Prints each search's seed, so
// a failure replays exactly; exits 1 if any search fails. `--scale 0.1` runs a tenth.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const i = process.argv.indexOf('--scale');
const scale = i >= 0 ? Number(process.argv[i + 1]) : 1;
const base = Math.floor(Math.random() * 2 ** 30);
const searches = [
  ['refunds', 16_000], ['orders --variant fixed', 4_000], ['examples/order-payments.ts', 10_000], ['examples/two-services.ts', 8_000],
  ['examples/status-callbacks.ts', 10_000], ['test/helpers/projection.ts', 6_000],
];
let runs = 0;
let failed = 0;
for (const [k, [scenario, n]] of searches.entries()) {
  const seed = base + k;
  const count = Math.max(1, Math.round(n * scale));
  const r = spawnSync(process.execPath, [`${root}dist/cli/main.js`, 'check', ...scenario.split(' '), '--seed', String(seed), '--runs', String(count), '--workers', '2'], { cwd: root, encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').filter((l) => /^(OK|FAILED)/.test(l)).pop() ?? r.stderr.trim().split('\n')[0];
  console.log(`${scenario} --seed ${seed} --runs ${count}: ${last}`);
  if (r.status !== 0) {
    failed++;
    console.log(r.stdout.split('\n').filter((l) => l.startsWith('replay:')).join('\n'));
  } else runs += count;
}
console.log(`${runs.toLocaleString('en-US')} runs of correct pipelines held; ${failed} search(es) failed`);
process.exit(failed > 0 ? 1 : 0);
