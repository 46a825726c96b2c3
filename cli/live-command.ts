// `faultline live <scenario> --brokers HOST:PORT[,…] --db URL [--workers N] …`: the
// scenario's behaviours on a real broker and PostgreSQL, checked like a simulated run.
import { writeFileSync } from 'node:fs';
import { loadScenario } from './load-scenario.js';
import { parseNumberFlag } from './flags.js';
import { defaultSeed, scenarioOverrides, type ScenarioFlags } from './scenario-flags.js';
import { EXIT, UsageError } from './usage-error.js';
import { ScenarioError } from '../scenarios/types.js';
import { ConnectionError, connectionFrom } from '../runtime/live/kafka-connection.js';
import { LiveSetupError, runLive } from '../runtime/live/live-run.js';
import { loadLiveFaults } from '../runtime/live/live-faults.js';
import { FaultPlanError } from '../faults/inject.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';

export interface LiveArgs extends ScenarioFlags {
  scenario: string;
  brokers?: string;
  db?: string;
  workers?: unknown;
  seed?: unknown;
  faults?: string;
  drainSeconds?: unknown;
  json?: boolean;
  html?: string;
  md?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsInsecure?: boolean;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
}

/** A live run offers less than a simulated one unless told otherwise: a real machine takes real time. */
export const LIVE_DEFAULTS = { refunds: 2_000, ratePerSec: 200 } as const;

function checkDbUrl(url: string | undefined): string {
  if (url === undefined || url.trim() === '') throw new UsageError('live needs --db URL, e.g. --db postgres://postgres@127.0.0.1:15432/faultline (npm run pg:up starts one).');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('--db is not a URL (it is not shown, in case it holds a password); give postgres://USER[:PASSWORD]@HOST:PORT/DATABASE.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new UsageError(`--db must be a postgres:// URL, got a ${u.protocol}// one.`);
  return url;
}

export async function liveCommand(a: LiveArgs): Promise<number> {
  const scenario = await loadScenario(a.scenario);
  if (scenario.live === undefined) throw new UsageError(`scenario "${scenario.name}" has no live topology: it runs only in the simulator ("faultline run ${a.scenario}").`);
  if (a.brokers === undefined) throw new UsageError('live needs --brokers HOST:PORT[,…], e.g. --brokers 127.0.0.1:19092 (npm run kafka:up starts one).');
  let kafka;
  try {
    kafka = connectionFrom(a.brokers, a);
  } catch (err) {
    if (err instanceof ConnectionError) throw new UsageError(err.message);
    throw err;
  }
  const dbUrl = checkDbUrl(a.db);
  const workers = parseNumberFlag('workers', a.workers, { integer: true, min: 0 }) ?? 1;
  if (workers > 16) throw new UsageError(`--workers ${workers} is more worker processes than this tool starts on one machine (16 at most).`);
  const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const drainSeconds = parseNumberFlag('drain-seconds', a.drainSeconds, { positive: true }) ?? 120;
  const overrides = { refunds: LIVE_DEFAULTS.refunds, ratePerSec: LIVE_DEFAULTS.ratePerSec, ...scenarioOverrides(a) };
  let params: Record<string, unknown>;
  try {
    params = scenario.params(overrides) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario "${scenario.name}": ${err.message}.`);
    throw err;
  }
  const loadMs = (Number(params.refunds) / Number(params.ratePerSec)) * 1000;
  let faults;
  try {
    faults = a.faults === undefined ? [] : loadLiveFaults(a.faults, seed, workers, loadMs);
  } catch (err) {
    if (err instanceof FaultPlanError) throw new UsageError(err.message);
    throw err;
  }

  const quiet = a.json === true;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (!quiet) process.stdout.write(`faultline live ${scenario.name} --seed ${seed} --workers ${workers} (brokers ${kafka.brokers.join(',')})\n`);
  let result;
  try {
    result = await runLive(scenario, {
      scenarioRef: a.scenario, seed, overrides, kafka, dbUrl, workers, faults, drainDeadlineMs: drainSeconds * 1000,
      log: quiet ? undefined : say,
    });
  } catch (err) {
    if (err instanceof LiveSetupError) throw new UsageError(`${err.message}. Check the address and that the server runs (npm run kafka:up / npm run pg:up start local ones).`);
    if (err instanceof ScenarioError) throw new UsageError(`scenario "${scenario.name}": ${err.message}.`);
    throw err;
  }
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderRunSummary(result, process.stdout.isTTY === true) + '\n');
  if (a.html !== undefined) writeFileSync(a.html, await renderRunHtml(result));
  if (a.md !== undefined) writeFileSync(a.md, renderRunMarkdown(result));
  return result.ok ? EXIT.ok : EXIT.invariantFailed;
}
