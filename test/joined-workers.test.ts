// The coordinator's side of workers joining from elsewhere (no broker needed): supervisors
// are given worker indexes in the order they join, a kill and a restart go to the same
// supervisor, a late word from a killed incarnation is not taken for the new one's, and
// what cannot join is turned away with a reason.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { JoinedWorkers } from '../runtime/live/joined-workers.js';
import { PeerServer, TOKEN_HEADER } from '../runtime/live/peer-links.js';
import { JOIN_PROTOCOL, type RunConfig } from '../runtime/live/worker-protocol.js';

const TOKEN = 'a-token-of-the-run-0123456789';
const closing: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c();
});

async function coordinator(expected: number) {
  const lines: string[] = [];
  const joined = new JoinedWorkers(expected, (l) => lines.push(l));
  const server = await PeerServer.listen('127.0.0.1', 0, TOKEN, () => {}, (ws, req) => joined.accept(ws, req));
  closing.push(() => server.close(), () => joined.close());
  return { joined, server, lines };
}

/** A stand-in for `faultline worker`: says hello, records what it is told. */
async function supervisor(url: string, hello: Record<string, unknown> = {}) {
  const got: Record<string, unknown>[] = [];
  const ws = new WebSocket(url, { headers: { [TOKEN_HEADER]: TOKEN } });
  closing.push(() => ws.terminate());
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ t: 'hello', protocol: JOIN_PROTOCOL, host: 'box', nowMs: Date.now(), ...hello }));
  return { ws, got, closed, tell: (k: number, m: unknown) => ws.send(JSON.stringify({ k, m })) };
}

const until = async (what: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const config = (index: number) => ({ index }) as unknown as RunConfig;

describe('joined workers', () => {
  it('give a joined supervisor its index; a restart after a kill goes to the same one, and the killed incarnation\'s late words are dropped', async () => {
    const { joined, server } = await coordinator(1);
    const sup = await supervisor(server.joinUrl);
    const first = await joined.claim(1, 5_000);
    expect(first.where).toBe('joined from box (127.0.0.1)');
    const heard: unknown[] = [];
    first.on('message', (m) => heard.push(m));
    first.start(config(1));
    await until(() => sup.got.length === 1);
    expect(sup.got[0]).toMatchObject({ t: 'config', k: 1, config: { index: 1 } });
    sup.tell(1, { t: 'log', line: 'one' });
    await until(() => heard.length === 1);

    first.kill();
    await until(() => sup.got.some((m) => m.t === 'kill'));
    const second = await joined.claim(1, 5_000);
    const heard2: unknown[] = [];
    second.on('message', (m) => heard2.push(m));
    let firstExit: unknown;
    first.on('exit', (code, signal) => (firstExit = [code, signal]));
    second.start(config(1));
    await until(() => sup.got.some((m) => m.t === 'config' && m.k === 2));
    // The killed process's exit arrives after the new config: it is not the new incarnation's.
    sup.tell(1, { t: 'exit', code: null, signal: 'SIGKILL' });
    sup.tell(2, { t: 'log', line: 'two' });
    await until(() => heard2.length === 1);
    expect(heard2).toEqual([{ t: 'log', line: 'two' }]);
    expect(second.alive).toBe(true);
    expect(firstExit).toBeUndefined();
  });

  it('turn away a supervisor the run has no place for, and one of another protocol, saying why', async () => {
    const { joined, server, lines } = await coordinator(1);
    await supervisor(server.joinUrl);
    await joined.claim(1, 5_000);
    const extra = await supervisor(server.joinUrl);
    await extra.closed;
    expect(extra.got).toEqual([{ t: 'refused', message: 'the run has the 1 joined worker it asked for' }]);
    const other = await supervisor(server.joinUrl, { protocol: JOIN_PROTOCOL + 1 });
    await other.closed;
    expect(String(other.got[0]?.message)).toContain(`join protocol ${JOIN_PROTOCOL + 1}, this run ${JOIN_PROTOCOL}`);
    expect(lines.filter((l) => l.includes('turned away'))).toHaveLength(2);
  });

  it('say when nobody joins in time, and when a joined clock is off', async () => {
    const { joined, server, lines } = await coordinator(2);
    await expect(joined.claim(1, 200)).rejects.toThrow('no worker joined within 0 s');
    await supervisor(server.joinUrl, { nowMs: Date.now() - 5_000 });
    await joined.claim(1, 5_000);
    expect(lines.some((l) => /clock of box .* is -5\d{3} ms off/.test(l))).toBe(true);
  });

  it('tell every supervisor the run is over, one whose worker a kill left down included, before letting it go', async () => {
    const { joined, server } = await coordinator(2);
    const killed = await supervisor(server.joinUrl);
    const idle = await supervisor(server.joinUrl);
    const w = await joined.claim(1, 5_000);
    w.kill();
    await until(() => killed.got.some((m) => m.t === 'kill'));
    joined.close();
    await Promise.all([killed.closed, idle.closed]);
    expect(killed.got.at(-1)).toEqual({ t: 'stop' });
    expect(idle.got).toEqual([{ t: 'stop' }]);
  });

  it('see a supervisor whose connection is lost as its worker gone', async () => {
    const { joined, server } = await coordinator(1);
    const sup = await supervisor(server.joinUrl);
    const w = await joined.claim(1, 5_000);
    const exit = new Promise((r) => w.on('exit', (code, signal) => r([code, signal])));
    sup.ws.terminate();
    expect(await exit).toEqual([null, 'disconnected']);
    expect(w.alive).toBe(false);
  });
});
