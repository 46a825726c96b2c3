#!/usr/bin/env node
// The faultline command line (yargs). Bad usage is one paragraph on stderr and exit 2;
// a stack trace only with FAULTLINE_DEBUG=1.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommand } from './run-command.js';
import { EXIT, UsageError } from './usage-error.js';
import { VARIANTS } from '../actors/refunds/variants.js';

function fail(message: string, code: number = EXIT.usage): never {
  process.stderr.write(`faultline: ${message.trim()}\nRun "faultline --help" for usage.\n`);
  process.exit(code);
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
        y
          .positional('scenario', { type: 'string', describe: 'built-in name (refunds) or path to a scenario module', demandOption: true })
          .option('seed', { type: 'string', describe: 'seed (a whole number); random and printed if omitted' })
          .option('refunds', { type: 'string', describe: 'number of refund requests' })
          .option('rate', { type: 'string', describe: 'offered load, requests per virtual second' })
          .option('partitions', { type: 'string', describe: 'partitions per topic' })
          .option('batch-size', { type: 'string', describe: 'maximum batch size of the batcher' })
          .option('variant', { type: 'string', describe: `pipeline variant (bug zoo): ${Object.keys(VARIANTS).join(', ')}` })
          .option('json', { type: 'boolean', describe: 'print the run result as JSON' })
          .option('trace', { type: 'string', describe: 'stream every handled message to FILE as NDJSON' })
          .option('faults', { type: 'string', describe: 'fault plan: a preset (none, chaos) or a JSON file of faults' }),
      async (a) => {
        exitCode = await runCommand({
          scenario: a.scenario as string, seed: a.seed, refunds: a.refunds, rate: a.rate, partitions: a.partitions,
          batchSize: a['batch-size'], variant: a.variant, json: a.json, trace: a.trace, faults: a.faults,
        });
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
