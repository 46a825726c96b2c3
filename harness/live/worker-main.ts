// A worker process of a live run (forked by the coordinator, or by a supervisor that joined
// the run from elsewhere): hosts the scenario's 'worker' actors, joins their consumer
// groups, and sends straight to the process hosting each receiver (peer-links.ts); or, as a
// service process, hosts one service behind an HTTP endpoint, and calls the other services
// over HTTP too. Its configuration, secrets included, comes over IPC from the process that
// forked it, never on the command line or in the environment.
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { loadScenario } from '../load-scenario.js';
import { livePlan } from './live-plan.js';
import { connectPg } from '../../runtime/live/pg-store.js';
import { kafkaClient } from '../../runtime/live/kafka-connection.js';
import { LiveNode } from '../../runtime/live/node.js';
import { runNaming } from '../../runtime/live/naming.js';
import { REF_STRIDE } from '../../runtime/live/node.js';
import { PeerLinks, PeerServer } from '../../runtime/live/peer-links.js';
import { scenarioFingerprint } from './fingerprint.js';
import type { ToWorker, WorkerConfig } from '../../runtime/live/worker-protocol.js';

let node: LiveNode | undefined;
const send = (m: unknown) => process.send?.(m);

/** What this process has measured so far: cumulative, so the last report a killed worker sent still counts. */
function report(t: 'metrics' | 'stopped') {
  const m = node?.metrics;
  const histograms = [...(m?.histograms ?? [])].map(([name, h]) => ({ name, unit: m!.units.get(name) ?? 'ms', encoded: encodeIntoCompressedBase64(h) }));
  const gauges = Object.fromEntries([...(m?.gauges ?? [])].map(([k, g]) => [k, { last: g.last, max: g.max }]));
  return { t, counters: Object.fromEntries(m?.counters ?? []), gauges, histograms, errors: [], stats: node?.stats() };
}
let reporter: NodeJS.Timeout | undefined;

async function start(c: WorkerConfig): Promise<void> {
  const scenario = await loadScenario(c.scenario);
  const { host: topology } = livePlan(scenario, scenario.parse(c.overrides), c.serviceProcesses === true);
  const mine = scenarioFingerprint(topology);
  if (mine !== c.fingerprint) throw new Error(`its scenario "${c.scenario}" is not the coordinator's (${mine} here, ${c.fingerprint} there: another version, or other parameters): run the same scenario module and faultline version on every machine`);
  const pool = await connectPg(c.dbUrl, 8);
  const links = new PeerLinks(c.peerToken, (n) => node?.count('live.sendsLost', n), () => node?.count('live.sendsBetweenProcesses'));
  links.setDirectory(c.processes);
  setDirectory = (p) => links.setDirectory(p);
  const server = await PeerServer.listen(c.host, 0, c.peerToken, (ref, msg) => node?.deliverRemote(ref, msg));
  node = new LiveNode({
    index: c.index, host: c.host, topology, hosts: (s) => (c.service === undefined ? s.place === 'worker' : s.place === 'service' && s.name === c.service), kafka: kafkaClient(c.kafka, `faultline-w${c.index}`),
    pool, naming: runNaming(c.runId, c.existingTopicPrefix), seed: c.seed, t0: c.t0, faults: c.faults, onFaultFired: (fault) => send({ t: 'fired', fault }),
    onError: (error) => send({ t: 'error', error }),
    remote: (ref, msg) => links.send(Math.floor(ref / REF_STRIDE), ref, msg),
    log: (line) => send({ t: 'log', line: `worker ${c.index}: ${line}` }),
  });
  if (c.faultsFromMs !== undefined) node.faults.start(c.faultsFromMs);
  node.setPeers(c.peers ?? {});
  await node.start();
  send({ t: 'ready', peerUrl: server.url, urls: node.urls });
  reporter = setInterval(() => send(report('metrics')), 1_000);
  stopPool = async () => {
    links.close();
    await server.close();
    await pool.end();
  };
}

let setDirectory: (processes: Record<number, string>) => void = () => {};

let stopPool: () => Promise<void> = async () => {};

process.on('message', (m: ToWorker) => {
  if (m.t === 'config') {
    start(m.config).catch((err) => {
      send({ t: 'failed', message: (err as Error).message });
      process.exit(1);
    });
  } else if (m.t === 'faults-from') node?.faults.start(m.originMs);
  else if (m.t === 'peers') {
    node?.setPeers(m.urls);
    setDirectory(m.processes);
  }
  else if (m.t === 'stop') {
    void (async () => {
      clearInterval(reporter);
      await node?.stop();
      send(report('stopped'));
      await stopPool().catch(() => {});
      process.exit(0);
    })();
  }
});
// The process that forked it went away: nothing left to work for.
process.on('disconnect', () => process.exit(0));
// A Ctrl-C reaches every process of the terminal's group: the coordinator stops this one
// in order (its 'stop'), so the signal itself is not a reason to die mid-transaction.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
