// An earlier build to measure beside this one, in the same bench run (the machine is
// shared and noisy: only side-by-side figures compare). The baseline is a git revision,
// checked out into a worktree of its own and built there with this checkout's packages.
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The last commit before the scenario kit: the refund pipeline as it was built before it. */
export const PRE_KIT = '6cdc630ae37d28bebb84ed7d2f3dba789c8b40f0';

const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });

/** The baseline's built bench entry, or why there is none. */
export function baselineBench(rev: string): { main: string } | { why: string } {
  const root = resolve('.');
  const full = run('git', ['rev-parse', '--verify', `${rev}^{commit}`], root);
  if (full.status !== 0) return { why: `no git revision ${rev} here (a shallow clone?)` };
  const sha = full.stdout.trim();
  const dir = join(tmpdir(), `faultline-baseline-${sha.slice(0, 12)}`);
  const main = join(dir, 'dist', 'bench', 'main.js');
  if (existsSync(main)) return { main };
  if (!existsSync(dir)) {
    const add = run('git', ['worktree', 'add', '--detach', dir, sha], root);
    if (add.status !== 0) return { why: `git worktree add failed: ${add.stderr.trim().split('\n')[0]}` };
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const build = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], dir);
  if (!existsSync(main)) return { why: `the baseline did not build: ${(build.stdout + build.stderr).trim().split('\n')[0]}` };
  return { main };
}
