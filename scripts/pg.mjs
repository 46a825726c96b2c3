#!/usr/bin/env node
// npm run pg:up / pg:down — a PostgreSQL cluster from Debian's packages on 127.0.0.1,
// in a temp folder owned by the postgres user (the server refuses to run as root).
// A throwaway load-test cluster: fsync and synchronous commit are off (a crash of the
// machine may lose the last writes; a crash of a worker process loses nothing).
// Idempotent. FAULTLINE_PG_PORT (default 15432); database "faultline", user postgres.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.FAULTLINE_PG_PORT ?? 15432);
const home = join(tmpdir(), `faultline-pg-${port}`);
const data = join(home, 'data');
const log = join(home, 'server.log');
const say = (m) => process.stdout.write(`pg: ${m}\n`);
const fail = (m) => {
  process.stderr.write(`pg: ${m}\n`);
  process.exit(1);
};
const root = userInfo().uid === 0;

function binDir() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length > 0 ? join(base, versions[0], 'bin') : null;
}

function ensureInstalled() {
  if (binDir() !== null) return binDir();
  if (!root) fail('PostgreSQL is not installed; install Debian\'s "postgresql" package (as root: apt-get install -y postgresql).');
  say('installing PostgreSQL from Debian\'s packages');
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'], { stdio: 'inherit' });
  if (r.status !== 0 || binDir() === null) fail('could not install postgresql with apt-get');
  return binDir();
}

/** Runs a server binary as the postgres user when we are root. */
function asPostgres(bin, args) {
  const cmd = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return spawnSync(cmd[0], cmd[1], { encoding: 'utf8' });
}

function running(bin) {
  return existsSync(join(data, 'PG_VERSION')) && asPostgres(join(bin, 'pg_ctl'), ['status', '-D', data]).status === 0;
}

function up() {
  const bin = ensureInstalled();
  if (running(bin)) return say(`already running on 127.0.0.1:${port}`);
  mkdirSync(home, { recursive: true });
  if (root) spawnSync('chown', ['-R', 'postgres:postgres', home]);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    const init = asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']);
    if (init.status !== 0) fail(`initdb failed:\n${init.stdout}${init.stderr}`);
  }
  const start = asPostgres(join(bin, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${home} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`]);
  if (start.status !== 0) fail(`the server did not start:\n${start.stdout}${start.stderr}\n${spawnSync('tail', ['-30', log], { encoding: 'utf8' }).stdout}`);
  const create = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-tAc', "SELECT 1 FROM pg_database WHERE datname = 'faultline'"], { encoding: 'utf8' });
  if (create.stdout.trim() !== '1') {
    const c = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE faultline'], { encoding: 'utf8' });
    if (c.status !== 0) fail(`could not create the database: ${c.stderr}`);
  }
  say(`ready on 127.0.0.1:${port} (postgres://postgres@127.0.0.1:${port}/faultline, files in ${home})`);
}

function down() {
  const bin = binDir();
  if (bin === null || !running(bin)) return say('not running');
  const stop = asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
  if (stop.status !== 0) fail(`could not stop the server: ${stop.stderr}`);
  say('stopped');
}

const cmd = process.argv[2];
if (cmd === 'up') up();
else if (cmd === 'down') down();
else fail('usage: node scripts/pg.mjs up | down');
