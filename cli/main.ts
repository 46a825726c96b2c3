#!/usr/bin/env node
// The faultline command line (yargs). Bad usage is one paragraph on stderr and exit 2;
// a stack trace only with FAULTLINE_DEBUG=1.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Argv } from 'yargs';
import { runCommand } from './run-command.js';
import { checkCommand } from './check-command.js';
import { replayCommand } from './replay-command.js';
import { capacityCommand } from './capacity-command.js';
import { reportCommand } from './report-command.js';
import { liveCommand } from './live-command.js';
import { EXIT, UsageError } from './usage-error.js';
import { VARIANTS } from '../actors/refunds/variants.js';

function fail(message: string, code: number = EXIT.usage): never {
  process.stderr.write(`faultline: ${message.trim()}\nRun "faultline --help" for usage.\n`);
  process.exit(code);
}

/** The scenario flags every command takes. */
function scenarioOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', describe: 'built-in name (refunds) or path to a scenario module' })
    .option('refunds', { type: 'string', describe: 'number of refund requests' })
    .option('rate', { type: 'string', describe: 'offered load, requests per virtual second' })
    .option('partitions', { type: 'string', describe: 'partitions per topic' })
    .option('batch-size', { type: 'string', describe: 'maximum batch size of the batcher' })
    .option('variant', { type: 'string', describe: `pipeline variant (bug zoo): ${Object.keys(VARIANTS).join(', ')}` })
    .option('arrival', { type: 'string', describe: 'arrival profile: poisson, constant, ramp:TO:OVER_MS, spike:FACTOR:AT_MS:DURATION_MS, peak-season[:DAY_MS]' });
}

function flagsOf(a: Record<string, unknown>) {
  return {
    scenario: a.scenario as string, refunds: a.refunds, rate: a.rate, partitions: a.partitions,
    batchSize: a['batch-size'], variant: a.variant as string | undefined, arrival: a.arrival as string | undefined,
  };
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  await yargs(argv)
    .scriptName('faultline')
    .usage('$0 <command> <scenario> [options]')
    .command(
      'run <scenario>',
      'one simulated run of a scenario (a built-in name or a path to a .ts/.js module): a summary, or --json',
      (y) =>
        scenarioOptions(y)
          .option('seed', { type: 'string', describe: 'seed (a whole number); random and printed if omitted' })
          .option('json', { type: 'boolean', describe: 'print the run result as JSON' })
          .option('trace', { type: 'string', describe: 'stream every handled message to FILE as NDJSON' })
          .option('faults', { type: 'string', describe: 'fault plan: a preset (none, chaos) or a JSON file of faults' })
          .option('slo', { type: 'string', describe: "thresholds, e.g. 'rmsResponse.p99<10000': exit 3 if one fails" })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report with charts to FILE' })
          .option('md', { type: 'string', describe: 'write a Markdown report to FILE' }),
      async (a) => {
        exitCode = await runCommand({ ...flagsOf(a), seed: a.seed, json: a.json, trace: a.trace, faults: a.faults, slo: a.slo as string | undefined, html: a.html as string | undefined, md: a.md as string | undefined });
      },
    )
    .command(
      'check [scenario]',
      'property search over random fault plans (fast-check): on a failure, the shrunk plan and the replay command',
      (y) =>
        scenarioOptions(y)
          .option('runs', { type: 'string', describe: 'runs to search (default 100)' })
          .option('seed', { type: 'string', describe: 'search seed; random and printed if omitted' })
          .option('workers', { type: 'string', describe: 'worker threads (results do not depend on it)' })
          .option('max-seconds', { type: 'string', describe: 'stop searching after this long' })
          .option('json', { type: 'boolean', describe: 'print the check result as JSON' })
          .option('list-variants', { type: 'boolean', describe: 'list the bug zoo: deliberately broken pipelines' }),
      async (a) => {
        if (a.scenario === undefined && a['list-variants'] !== true) fail('check needs a scenario, e.g. "faultline check refunds"');
        exitCode = await checkCommand({
          ...flagsOf(a), scenario: (a.scenario as string | undefined) ?? 'refunds', runs: a.runs, seed: a.seed, workers: a.workers,
          maxSeconds: a['max-seconds'], json: a.json, listVariants: a['list-variants'],
        });
      },
    )
    .command(
      'replay <scenario>',
      're-run one counterexample: --seed S --path P as check printed it, or --plan FILE ({seed, workload, faults})',
      (y) =>
        scenarioOptions(y)
          .option('seed', { type: 'string', describe: 'the seed check printed' })
          .option('path', { type: 'string', describe: 'the path check printed' })
          .option('plan', { type: 'string', describe: 'a saved counterexample: JSON {seed, workload, faults}' })
          .option('json', { type: 'boolean', describe: 'print the counterexample and its run result as JSON' }),
      async (a) => {
        exitCode = await replayCommand({ ...flagsOf(a), seed: a.seed, path: a.path, plan: a.plan, json: a.json });
      },
    )
    .command(
      'capacity <scenario>',
      'rate sweep: the highest offered rate that holds the SLO with a bounded backlog (the knee), per design and batch size',
      (y) =>
        scenarioOptions(y)
          .option('rates', { type: 'string', describe: 'offered rates FROM..TO (refunds per virtual second)', demandOption: true })
          .option('steps', { type: 'string', describe: 'points between FROM and TO (default 8)' })
          .option('slo', { type: 'string', describe: "thresholds, e.g. 'rmsResponse.p99<10000,endToEnd.p99<60000' (default rmsResponse.p99<10000)" })
          .option('batch-sizes', { type: 'string', describe: 'sweep these batch sizes too, e.g. 1,100,500,1000' })
          .option('duration', { type: 'string', describe: 'virtual seconds each point offers its rate (default 30)' })
          .option('min-rate', { type: 'string', describe: 'exit 3 if a knee is below this rate (default: the lowest swept rate)' })
          .option('compare', { type: 'string', describe: 'another scenario (design) on the same axes' })
          .option('seed', { type: 'string', describe: 'seed (same for every point); random and printed if omitted' })
          .option('json', { type: 'boolean', describe: 'print the capacity result as JSON' })
          .option('md', { type: 'string', describe: 'write the report as Markdown to FILE' })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report with charts to FILE' })
          .option('claims', { type: 'boolean', describe: "measure the reference pipeline's published claims (refunds only, ~20 s)" }),
      async (a) => {
        exitCode = await capacityCommand({ claims: a.claims as boolean | undefined,
          ...flagsOf(a), rates: a.rates as string, steps: a.steps, slo: a.slo as string | undefined, batchSizes: a['batch-sizes'] as string | undefined,
          duration: a.duration, minRate: a['min-rate'], compare: a.compare as string | undefined, seed: a.seed, json: a.json as boolean | undefined, md: a.md as string | undefined, html: a.html as string | undefined,
        });
      },
    )
    .command(
      'live <scenario>',
      'the same behaviours on a real Kafka broker and PostgreSQL, in N worker processes; checked like a simulated run',
      (y) =>
        scenarioOptions(y)
          .option('brokers', { type: 'string', describe: 'Kafka brokers HOST:PORT[,HOST:PORT…] (npm run kafka:up: 127.0.0.1:19092)' })
          .option('db', { type: 'string', describe: 'PostgreSQL URL (npm run pg:up: postgres://postgres@127.0.0.1:15432/faultline)' })
          .option('workers', { type: 'string', describe: 'worker processes sharing the consumer groups (default 1; 0: one process)' })
          .option('seed', { type: 'string', describe: 'workload and fault-schedule seed; random and printed if omitted' })
          .option('faults', { type: 'string', describe: 'live faults: a preset (none, kill-workers, lost-responses, slow-consumers, chaos), a JSON file or inline JSON' })
          .option('drain-seconds', { type: 'string', describe: 'after the load, how long to wait for the pipeline to settle (default 120)' })
          .option('json', { type: 'boolean', describe: 'print the run result as JSON' })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report to FILE' })
          .option('md', { type: 'string', describe: 'write a Markdown report to FILE' })
          .option('tls', { type: 'boolean', describe: 'connect to the brokers over TLS (or FAULTLINE_KAFKA_TLS=1)' })
          .option('tls-ca', { type: 'string', describe: 'CA certificate file for TLS (or FAULTLINE_KAFKA_TLS_CA)' })
          .option('tls-insecure', { type: 'boolean', describe: 'do not verify the brokers\' certificates' })
          .option('sasl-mechanism', { type: 'string', describe: 'plain, scram-sha-256 or scram-sha-512 (or FAULTLINE_KAFKA_SASL_MECHANISM)' })
          .option('sasl-username', { type: 'string', describe: 'SASL user (or FAULTLINE_KAFKA_SASL_USERNAME)' })
          .option('sasl-password', { type: 'string', describe: 'SASL password; prefer FAULTLINE_KAFKA_SASL_PASSWORD (never printed)' }),
      async (a) => {
        exitCode = await liveCommand({
          ...flagsOf(a), brokers: a.brokers as string | undefined, db: a.db as string | undefined, workers: a.workers, seed: a.seed,
          faults: a.faults as string | undefined, drainSeconds: a['drain-seconds'], json: a.json as boolean | undefined,
          html: a.html as string | undefined, md: a.md as string | undefined, tls: a.tls as boolean | undefined, tlsCa: a['tls-ca'] as string | undefined,
          tlsInsecure: a['tls-insecure'] as boolean | undefined, saslMechanism: a['sasl-mechanism'] as string | undefined,
          saslUsername: a['sasl-username'] as string | undefined, saslPassword: a['sasl-password'] as string | undefined,
        });
      },
    )
    .command(
      'report <file>',
      'render a saved result (a run or capacity --json) as Markdown and/or self-contained HTML with charts',
      (y) =>
        y
          .positional('file', { type: 'string', describe: 'a result saved with --json', demandOption: true })
          .option('html', { type: 'string', describe: 'write HTML to FILE' })
          .option('md', { type: 'string', describe: 'write Markdown to FILE' }),
      async (a) => {
        exitCode = await reportCommand({ file: a.file as string, html: a.html as string | undefined, md: a.md as string | undefined });
      },
    )
    .demandCommand(1, 'give a command, e.g. "faultline run refunds"')
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      fail(msg);
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) fail(err.message);
    if (process.env.FAULTLINE_DEBUG === '1') console.error(err);
    const message = err instanceof Error ? err.message : String(err);
    fail(`internal error: ${message} (set FAULTLINE_DEBUG=1 for the stack trace; please report it)`, EXIT.internal);
  },
);
