// `faultline live <scenario> --brokers HOST:PORT[,…] --db URL [--workers N] …`: the
// scenario's behaviours on a real broker and PostgreSQL, checked like a simulated run.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadScenario } from '../harness/load-scenario.js';
import { JoinError, LiveSetupError, runLive } from '../harness/live/live-run.js';
import { livePlan } from '../harness/live/live-plan.js';
import { loadLiveFaults } from '../harness/live/fault-plan.js';
import { probeFacts } from '../harness/probe.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { measurableNames, measurableOf, parseThresholds, serviceLevelThresholds, unknownSubjects, type Threshold } from '../reports/slo.js';
import { COMPLETED_SHARE_MIN, SHED_SHARE_MAX } from '../reports/capacity.js';
import { runScenario } from '../harness/run.js';
import type { BaseParams, Scenario } from '../harness/scenario.js';
import { renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { parseNumberFlag } from './flags.js';
import { checkDbUrl, kafkaConnectionArgs } from './live-connection-args.js';
import { JOIN_TOKEN_ENV, joinToken, parseListen } from './join-args.js';
import { commandLine, defaultSeed, scenarioOverrides } from './scenario-args.js';
import { EXIT, UsageError } from './usage-error.js';

/** A live run offers less than a simulated one unless told otherwise: a real machine takes real time. */
export const LIVE_DEFAULTS = { count: 2_000, ratePerSec: 200 } as const;

/**
 * What a live run is held to: --slo as given (`none`: nothing), else a capacity point's
 * service level (what was offered completed, not shed nor given up by callers) and the
 * scenario's own SLO. Subjects are checked against a small simulated run first, so a typo
 * costs no live run (live.* counters exist only live, and are taken on trust).
 */
function liveThresholds(text: string | undefined, scenario: Scenario<BaseParams>, overrides: Record<string, unknown>): Threshold[] {
  if (text?.trim() === 'none') return [];
  const probe = runScenario(scenario, { seed: 1, overrides: { ...overrides, count: Math.min(Number(scenario.parse(overrides).count), 200) } });
  const measurable = measurableOf(probe);
  // Without a load generator there are no shares of an offered load to judge.
  const thresholds = text !== undefined ? parseThresholds(text)
    : [...serviceLevelThresholds(COMPLETED_SHARE_MIN, SHED_SHARE_MAX).filter((t) => t.subject in measurable.figures), ...(scenario.metrics?.slo !== undefined ? parseThresholds(scenario.metrics.slo) : [])];
  const unknown = unknownSubjects(thresholds, measurable, [probe.metrics.headline ?? '', ...probe.metrics.latencies]).filter((t) => !t.subject.startsWith('live.'));
  if (unknown.length > 0) {
    throw new UsageError(`--slo ${unknown.map((t) => `"${t.text}"`).join(', ')} name${unknown.length === 1 ? 's' : ''} nothing this scenario measures; it measures ${measurableNames(measurable).join(', ')} (and live.* counters live). --slo none judges no service level.`);
  }
  return thresholds;
}

export async function liveCommand(a: Record<string, unknown>): Promise<number> {
  const scenarioRef = String(a.scenario);
  const scenario = await loadScenario(scenarioRef);
  const kafka = kafkaConnectionArgs(a, 'live');
  const dbUrl = checkDbUrl(a.db as string | undefined, 'live');
  const workers = parseNumberFlag('workers', a.workers, { integer: true, min: 0 }) ?? 1;
  if (workers > 16) throw new UsageError(`--workers ${workers} is more worker processes than this tool starts on one machine (16 at most).`);
  const joinWorkers = parseNumberFlag('join-workers', a['join-workers'], { integer: true, min: 0 }) ?? 0;
  if (joinWorkers > 256) throw new UsageError(`--join-workers ${joinWorkers}: at most 256 worker processes join one run.`);
  const listen = parseListen(a.listen);
  const joinSeconds = parseNumberFlag('join-seconds', a['join-seconds'], { positive: true }) ?? 120;
  const givenToken = joinToken(false);
  const seed = parseNumberFlag('seed', a.seed, { integer: true, min: 0 }) ?? defaultSeed();
  const drainSeconds = parseNumberFlag('drain-seconds', a['drain-seconds'], { positive: true }) ?? 120;
  const given = scenarioOverrides(a, scenario);
  const overrides = { ...('count' in given ? {} : { count: LIVE_DEFAULTS.count }), ...('ratePerSec' in given ? {} : { ratePerSec: LIVE_DEFAULTS.ratePerSec }), ...given };
  const params = scenario.parse(overrides);
  const serviceProcesses = a['service-processes'] === true;
  const existingTopicPrefix = a['existing-topics'] === undefined ? undefined : String(a['existing-topics']);
  if (existingTopicPrefix !== undefined && !/^[A-Za-z0-9._-]*$/.test(existingTopicPrefix)) {
    throw new UsageError(`--existing-topics "${existingTopicPrefix}" cannot start a Kafka topic name (letters, digits, '.', '_' and '-' only).`);
  }
  const keep = a.keep === true;
  const slo = liveThresholds(a.slo as string | undefined, scenario, overrides);
  const plan = livePlan(scenario, params, serviceProcesses);
  const servicesSplit = plan.host.actors.filter((x) => x.place === 'service').length;
  if (serviceProcesses && workers + servicesSplit > 24) throw new UsageError(`--service-processes would start ${servicesSplit} service processes besides ${workers} worker processes: more than this tool starts on one machine (24 at most).`);
  const faults = a.faults === undefined ? [] : loadLiveFaults(String(a.faults), seed, {
    workers: workers + joinWorkers, loadMs: plan.plannedLoadMs,
    consumers: plan.topology.actors.filter((x) => x.consumes !== undefined).map((x) => x.name),
    crashPoints: plan.topology.actors.flatMap((x) => (x.behaviour.crashPoints ?? []).map((point) => ({ actor: x.name, point }))),
    // Which actors produce: seen in a small simulated run of the same pipeline.
    producers: (() => {
      const seen = probeFacts(scenario, scenario.parse({ ...overrides, count: Math.min(params.count, 200) })).facts.producers;
      return plan.topology.actors.map((x) => x.name).filter((n) => seen.includes(n));
    })(),
  });

  const quiet = a.json === true;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (!quiet) process.stdout.write(`${commandLine({ seed, workers })}\n`);
  // Workers from elsewhere need the run's token: the one given, or a random one said here (once, on stderr).
  const token = givenToken ?? (joinWorkers > 0 ? randomBytes(18).toString('base64url') : undefined);
  const onJoinable = (url: string) => say(`join with: ${givenToken === undefined ? `${JOIN_TOKEN_ENV}=${token} ` : ''}faultline worker --join ${url} --brokers … --db …`);
  // A simulator-only setting is said, not silently dropped.
  const acksOne = plan.topology.actors.filter((x) => x.acks === 1).map((x) => x.name);
  if (acksOne.length > 0 && !quiet) say(`note: ${acksOne.join(', ')} ${acksOne.length > 1 ? 'ask' : 'asks'} for acks 1; live runs produce with acks=all (one local broker has no follower a failover could lose records to)`);
  // The first SIGINT or SIGTERM stops the run cleanly and prints what it has; a second stops at once.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      say(`${signal} again: stopping at once (faultline cleanup removes what the run left; npm run kafka:up starts a broker a fault had stopped)`);
      process.exit(signalExit(signal));
    }
    say(`${signal}: stopping the run cleanly (worker processes, faults under way, the run's topics and rows), then printing what it has; ${signal} again stops at once`);
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // npx runs this under `sh -c`, and neither passes a SIGTERM on: npx and the shell die and
  // this process is left running. Under npx, losing the parent is the SIGTERM npx got.
  const parent = process.ppid;
  const orphaned = process.env.npm_command === 'exec' ? setInterval(() => {
    if (process.ppid !== parent && !stop.signal.aborted) onSignal('SIGTERM');
  }, 250) : undefined;
  let result;
  try {
    result = await runLive(scenario, { scenarioRef, seed, overrides, kafka, dbUrl, workers, joinWorkers, listen, joinToken: token, joinTimeoutMs: joinSeconds * 1000, onJoinable, serviceProcesses, faults, keep, existingTopicPrefix, slo, stop: stop.signal, drainDeadlineMs: drainSeconds * 1000, log: quiet ? undefined : say });
  } catch (err) {
    if (err instanceof JoinError) throw new UsageError(`${err.message}.`);
    if (err instanceof LiveSetupError) throw new UsageError(`${err.message}. Check the address and that the server runs (npm run kafka:up / npm run pg:up start local ones).`);
    throw err;
  } finally {
    clearInterval(orphaned);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(quiet ? JSON.stringify(result) + '\n' : renderRunSummary(result, process.stdout.isTTY === true) + '\n');
  if (a.html !== undefined) writeFileSync(String(a.html), await renderRunHtml(result));
  if (a.md !== undefined) writeFileSync(String(a.md), renderRunMarkdown(result));
  if (result.live.stopped !== undefined) return signalExit(result.live.stopped as NodeJS.Signals);
  return !result.ok ? EXIT.invariantFailed : !result.live.serviceLevel.ok ? EXIT.threshold : EXIT.ok;
}

/** A shell's exit status for a run stopped by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
const signalExit = (signal: NodeJS.Signals) => 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
