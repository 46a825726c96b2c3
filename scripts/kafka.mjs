#!/usr/bin/env node
// npm run kafka:up / kafka:down — a single-node KRaft Kafka broker on 127.0.0.1, from
// Maven Central jars (tools/kafka/pom.xml), for the live runtime and its tests.
// Idempotent: up on a running broker says so; down on a stopped one too.
// FAULTLINE_KAFKA_PORT (default 19092; the controller listens on the next port).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.FAULTLINE_KAFKA_PORT ?? 19092);
const controller = port + 1;
const libs = join(root, '.cache', 'kafka', 'libs');
const home = join(tmpdir(), `faultline-kafka-${port}`);
const pidFile = join(home, 'broker.pid');
const logFile = join(home, 'broker.log');
const brokers = [`127.0.0.1:${port}`];

const say = (m) => process.stdout.write(`kafka: ${m}\n`);
const fail = (m) => {
  process.stderr.write(`kafka: ${m}\n`);
  process.exit(1);
};

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid() {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return Number.isInteger(pid) && alive(pid) ? pid : null;
}

function ensureJars() {
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return;
  say('fetching the broker from Maven Central (tools/kafka/pom.xml)');
  const r = spawnSync('mvn', ['-q', '-f', join(root, 'tools', 'kafka', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], { stdio: 'inherit' });
  if (r.status !== 0) fail('maven could not fetch org.apache.kafka:kafka_2.13 (is Maven installed and Maven Central reachable?)');
}

const java = (args, opts = {}) => spawnSync('java', ['-Xmx256m', '-cp', `${libs}/*`, ...args], { encoding: 'utf8', ...opts });

async function ready(deadlineMs) {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'faultline-kafka-up', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return true;
    } catch {
      await admin.disconnect().catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

function tail(file, lines = 30) {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

async function up() {
  const pid = runningPid();
  if (pid !== null) {
    if (await ready(5_000)) return say(`already running on ${brokers[0]} (pid ${pid})`);
    fail(`a broker (pid ${pid}) is running but does not answer on ${brokers[0]}; run "npm run kafka:down" first. Log tail:\n${tail(logFile)}`);
  }
  ensureJars();
  mkdirSync(join(home, 'data'), { recursive: true });
  const props = join(home, 'server.properties');
  writeFileSync(props, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(home, 'data')}`, 'num.partitions=1', 'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
  ].join('\n') + '\n');
  const log4j = join(home, 'log4j.properties');
  writeFileSync(log4j, 'log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  if (!existsSync(join(home, 'data', 'meta.properties'))) {
    const id = java(['kafka.tools.StorageTool', 'random-uuid']).stdout.trim().split('\n').pop();
    const f = java([`-Dlog4j.configuration=file:${log4j}`, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props]);
    if (f.status !== 0) fail(`formatting the broker's storage failed:\n${f.stdout}${f.stderr}`);
  }
  const out = openSync(logFile, 'a');
  const child = spawn('java', ['-Xmx512m', `-Dlog4j.configuration=file:${log4j}`, '-cp', `${libs}/*`, 'kafka.Kafka', props], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  say(`starting on ${brokers[0]} (pid ${child.pid}, files in ${home})`);
  if (!(await ready(90_000))) {
    try { process.kill(child.pid, 'SIGKILL'); } catch {}
    fail(`the broker did not answer on ${brokers[0]} within 90 s. Log tail:\n${tail(logFile)}`);
  }
  say(`ready on ${brokers[0]}`);
}

async function down() {
  const pid = runningPid();
  if (pid === null) return say('not running');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 500));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  if (process.argv.includes('--clean')) rmSync(home, { recursive: true, force: true });
  say(`stopped (pid ${pid})`);
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else if (cmd === 'status') say(runningPid() === null ? 'not running' : `running (pid ${runningPid()}) on ${brokers[0]}`);
else fail('usage: node scripts/kafka.mjs up | down [--clean] | status');
