// `faultline worker --join URL --brokers … --db …`: a worker process for a live run started
// elsewhere (`faultline live … --join-workers N`), on this machine, with its own broker and
// database settings. Exit 0 when the run ended, 1 when the connection to it was lost, 2 when
// it could not join (a bad URL or token, the run had its workers, another version).
import { superviseWorker } from '../harness/live/supervisor.js';
import { checkDbUrl, kafkaConnectionArgs } from './live-connection-args.js';
import { joinToken, parseListen } from './join-args.js';
import { UsageError } from './usage-error.js';

export async function workerCommand(a: Record<string, unknown>): Promise<number> {
  const joinUrl = String(a.join ?? '');
  let url: URL;
  try {
    url = new URL(joinUrl);
  } catch {
    throw new UsageError(`--join "${joinUrl}" is not a URL: give the one the run printed, e.g. --join ws://10.0.0.5:7311/join.`);
  }
  if (url.protocol !== 'ws:') throw new UsageError(`--join must be a ws:// URL (the one the run printed), got a ${url.protocol}// one.`);
  const token = joinToken(true)!;
  const kafka = kafkaConnectionArgs(a, 'worker');
  const dbUrl = checkDbUrl(a.db as string | undefined, 'worker');
  const host = a.host === undefined ? undefined : parseListen(`${String(a.host)}:0`)!.host;
  const say = (line: string) => process.stderr.write(`worker: ${line}\n`);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const end = await superviseWorker({ joinUrl, token, kafka, dbUrl, host, scenario: a.scenario === undefined ? undefined : String(a.scenario), log: say, stop: stop.signal });
    if (end.code === 2) throw new UsageError(end.message);
    say(end.message);
    return end.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
