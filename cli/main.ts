#!/usr/bin/env node
// The faultline command line (yargs). Bad usage is one paragraph on stderr and exit 2;
// a stack trace only with FAULTLINE_DEBUG=1. Each command's module is loaded only when
// that command runs, so `--help` does not pay for the simulator, the charts or kafkajs.
// Output is flushed before the process exits: a slow reader of `--json` gets all of it.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Argv } from 'yargs';
import { EXIT, isUsageError } from './usage-error.js';

async function flushed(stream: NodeJS.WriteStream): Promise<void> {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}

async function exit(code: number): Promise<never> {
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}

async function fail(message: string, code: number = EXIT.usage): Promise<never> {
  process.stderr.write(`faultline: ${message.trim()}\nRun "faultline --help" for usage.\n`);
  return exit(code);
}

/** The load and parameter flags every scenario command takes. */
function scenarioOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', describe: 'a built-in scenario (faultline describe lists one) or the path of a .ts/.js module exporting one' })
    .option('count', { type: 'string', describe: 'requests the load generator offers' })
    .option('duration', { type: 'string', describe: 'seconds of load at the rate (instead of --count)' })
    .option('rate', { type: 'string', describe: 'offered load, requests per (virtual) second' })
    .option('arrival', { type: 'string', describe: 'arrival profile: poisson, constant, ramp:TO:OVER_MS, spike:FACTOR:AT_MS:DURATION_MS, peak-season[:DAY_MS], curve:AT_MS=FACTOR,…[:EVERY_MS] (your own shape)' })
    .option('variant', { type: 'string', describe: "one of the scenario's deliberately broken versions (describe lists them)" })
    .option('param', { type: 'string', array: true, describe: 'a scenario parameter, key=value (repeatable; describe lists them)' });
}

/** Where the broker and the database are, and how to reach the brokers (live and cleanup). */
function connectionOptions<T>(y: Argv<T>) {
  return y
    .option('brokers', { type: 'string', describe: 'Kafka brokers HOST:PORT[,HOST:PORT…] (npm run kafka:up: 127.0.0.1:19092)' })
    .option('db', { type: 'string', describe: 'PostgreSQL URL (npm run pg:up: postgres://postgres@127.0.0.1:15432/faultline)' })
    .option('tls', { type: 'boolean', describe: 'connect to the brokers over TLS (or FAULTLINE_KAFKA_TLS=1)' })
    .option('tls-ca', { type: 'string', describe: 'CA certificate file for TLS (or FAULTLINE_KAFKA_TLS_CA)' })
    .option('tls-insecure', { type: 'boolean', describe: 'do not verify the brokers\' certificates' })
    .option('sasl-mechanism', { type: 'string', describe: 'plain, scram-sha-256 or scram-sha-512 (or FAULTLINE_KAFKA_SASL_MECHANISM)' })
    .option('sasl-username', { type: 'string', describe: 'SASL user (or FAULTLINE_KAFKA_SASL_USERNAME)' })
    .option('sasl-password', { type: 'string', describe: 'SASL password; prefer FAULTLINE_KAFKA_SASL_PASSWORD (never printed)' });
}

type Args = Record<string, unknown>;
const run = async (load: () => Promise<(a: Args) => Promise<number>>, a: Args) => (await load())(a);

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  await yargs(argv)
    .scriptName('faultline')
    .usage('$0 <command> <scenario> [options]')
    .command(
      'run <scenario>',
      'one simulated run of a scenario: a summary, or --json',
      (y) =>
        scenarioOptions(y)
          .option('seed', { type: 'string', describe: 'seed (a whole number); random and printed if omitted' })
          .option('json', { type: 'boolean', describe: 'print the run result as JSON' })
          .option('trace', { type: 'string', describe: 'stream every handled message to FILE as NDJSON' })
          .option('faults', { type: 'string', describe: 'fault plan: a preset (none, chaos, or the scenario\'s own), a JSON file or inline JSON' })
          .option('slo', { type: 'string', describe: "thresholds, e.g. 'response.p99<10000,load.gaveUp==0': exit 3 if one fails" })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report with charts to FILE' })
          .option('md', { type: 'string', describe: 'write a Markdown report to FILE' }),
      async (a) => {
        exitCode = await run(async () => (await import('./run-command.js')).runCommand, a);
      },
    )
    .command(
      'check <scenario>',
      'property search over random fault plans (fast-check): on a failure, the shrunk plan and the replay command',
      (y) =>
        scenarioOptions(y)
          .option('runs', { type: 'string', describe: 'runs to search (default 100)' })
          .option('seed', { type: 'string', describe: 'search seed; random and printed if omitted' })
          .option('workers', { type: 'string', describe: 'worker threads (results do not depend on it)' })
          .option('max-seconds', { type: 'string', describe: 'stop searching after this long' })
          .option('shard', { type: 'string', describe: 'i/N: search every N-th candidate from the i-th, one of N CI jobs with the same --seed and --runs' })
          .option('json', { type: 'boolean', describe: 'print the check result as JSON' })
          .option('list-variants', { type: 'boolean', describe: "list the scenario's bug zoo and stop" }),
      async (a) => {
        exitCode = await run(async () => (await import('./check-command.js')).checkCommand, a);
      },
    )
    .command(
      'replay <scenario>',
      're-run one counterexample: --plan as check printed it (JSON {seed, workload, faults}, inline or a file), or fast-check\'s --seed S --path P',
      (y) =>
        scenarioOptions(y)
          .option('seed', { type: 'string', describe: 'the seed check printed' })
          .option('path', { type: 'string', describe: 'the path check printed' })
          .option('plan', { type: 'string', describe: 'a counterexample: JSON {seed, workload, faults}, inline or in a file (check --json output works too)' })
          .option('json', { type: 'boolean', describe: 'print the counterexample and its run result as JSON' }),
      async (a) => {
        exitCode = await run(async () => (await import('./replay-command.js')).replayCommand, a);
      },
    )
    .command(
      'capacity <scenario>',
      'rate sweep: the highest offered rate that holds the SLO with a bounded backlog (the knee), per design and swept parameter',
      (y) =>
        scenarioOptions(y)
          .option('rates', { type: 'string', describe: 'offered rates FROM..TO (requests per virtual second)', demandOption: true })
          .option('steps', { type: 'string', describe: 'points between FROM and TO (default 8)' })
          .option('slo', { type: 'string', describe: "thresholds, e.g. 'response.p99<10000' (default: the scenario's own, if it declares one)" })
          .option('sweep', { type: 'string', describe: 'a scenario parameter to sweep too, e.g. batchSizeMax=100,500,1000' })
          .option('min-rate', { type: 'string', describe: 'exit 3 if a knee is below this rate (default: the lowest swept rate)' })
          .option('compare', { type: 'string', describe: 'another scenario (design) on the same axes' })
          .option('seed', { type: 'string', describe: 'seed (same for every point); random and printed if omitted' })
          .option('json', { type: 'boolean', describe: 'print the capacity result as JSON' })
          .option('md', { type: 'string', describe: 'write the report as Markdown to FILE' })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report with charts to FILE' })
          .option('claims', { type: 'boolean', describe: "measure the scenario's declared claims too" }),
      async (a) => {
        exitCode = await run(async () => (await import('./capacity-command.js')).capacityCommand, a);
      },
    )
    .command(
      'live <scenario>',
      'the same behaviours on a real Kafka broker and PostgreSQL, in N worker processes; checked like a simulated run',
      (y) =>
        connectionOptions(scenarioOptions(y))
          .option('workers', { type: 'string', describe: 'worker processes sharing the consumer groups (default 1; 0: one process)' })
          .option('service-processes', { type: 'boolean', describe: 'every one-of-a-kind service in a process of its own, the calls between services over HTTP' })
          .option('seed', { type: 'string', describe: 'workload and fault-schedule seed; random and printed if omitted' })
          .option('faults', { type: 'string', describe: 'live faults: a preset (none, kill-workers, lost-responses, slow-consumers, lost-acks, broker-restart, crash-points, chaos), a JSON file or inline JSON' })
          .option('drain-seconds', { type: 'string', describe: 'after the load, how long to wait for the pipeline to settle (default 120)' })
          .option('slo', { type: 'string', describe: "thresholds the run is held to, exit 3 if one fails (default: >= 99% of what was offered completed, <= 1% shed or given up by callers, and the scenario's own SLO; none: no service level)" })
          .option('keep', { type: 'boolean', describe: "keep the run's topics, consumer groups and rows afterwards (default: removed; faultline cleanup removes kept ones)" })
          .option('join-workers', { type: 'string', describe: 'worker processes that join from other machines (faultline worker --join URL), besides --workers: the load waits for them' })
          .option('listen', { type: 'string', describe: "HOST:PORT where the run's processes take each other's sends and workers join: an address of this machine the others reach (default 127.0.0.1:0; the token is FAULTLINE_JOIN_TOKEN, or a random one printed)" })
          .option('join-seconds', { type: 'string', describe: 'how long to wait for the joining workers (default 120)' })
          .option('existing-topics', { type: 'string', describe: "use existing topics named PREFIX + the scenario's topic names instead of creating the run's own (neither created nor removed; read from their ends)" })
          .option('json', { type: 'boolean', describe: 'print the run result as JSON' })
          .option('html', { type: 'string', describe: 'write a self-contained HTML report to FILE' })
          .option('md', { type: 'string', describe: 'write a Markdown report to FILE' }),
      async (a) => {
        exitCode = await run(async () => (await import('./live-command.js')).liveCommand, a);
      },
    )
    .command(
      'worker',
      "join a live run started elsewhere (faultline live … --join-workers N) as one of its worker processes, with this machine's broker and database settings; the run's token in FAULTLINE_JOIN_TOKEN",
      (y) =>
        connectionOptions(y)
          .option('join', { type: 'string', describe: 'the join URL the run printed, e.g. ws://10.0.0.5:7311/join', demandOption: true })
          .option('host', { type: 'string', describe: "the address the run's other processes reach this machine by (default: the one it reaches the run from)" })
          .option('scenario', { type: 'string', describe: "where the scenario module is on this machine, if not at the path the run gave" }),
      async (a) => {
        exitCode = await run(async () => (await import('./worker-command.js')).workerCommand, a);
      },
    )
    .command(
      'cleanup [runs..]',
      'remove what live runs left on a broker and a database (topics, consumer groups, rows), by run id; without ids, list the runs found',
      (y) =>
        connectionOptions(y)
          .positional('runs', { type: 'string', array: true, describe: 'run ids, as a live run printed them (live run <id>)' })
          .option('all', { type: 'boolean', describe: 'remove every run found' })
          .option('json', { type: 'boolean', describe: 'print what was found or removed as JSON' }),
      async (a) => {
        exitCode = await run(async () => (await import('./cleanup-command.js')).cleanupCommand, a);
      },
    )
    .command(
      'describe [scenario]',
      "what a scenario is: its parameters, actors, crash points, topics, entities, invariants, variants, presets (without one: the built-in scenarios)",
      (y) => y.positional('scenario', { type: 'string', describe: 'a built-in scenario or the path of a module' }).option('json', { type: 'boolean', describe: 'print the description as JSON' }),
      async (a) => {
        exitCode = await run(async () => (await import('./describe-command.js')).describeCommand, a);
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
        exitCode = await run(async () => (await import('./report-command.js')).reportCommand, a);
      },
    )
    .demandCommand(1, 'give a command, e.g. "faultline describe" (the built-in scenarios) or "faultline run <scenario>"')
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      const text = /^Not enough non-option arguments/.test(msg) ? 'give a scenario: a built-in name ("faultline describe" lists them) or the path of a .ts/.js module exporting one' : msg;
      throw Object.assign(new Error(text), { usage: true });
    })
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => exit(code),
  (err: unknown) => {
    if (isUsageError(err)) return fail((err as Error).message);
    if (process.env.FAULTLINE_DEBUG === '1') console.error(err);
    const message = err instanceof Error ? err.message : String(err);
    return fail(`internal error: ${message} (set FAULTLINE_DEBUG=1 for the stack trace; please report it)`, EXIT.internal);
  },
);
