// Sends between a live run's processes (no broker needed): straight to the receiving
// process, in order, only with the run's token; what cannot go is counted, not hidden.
import { afterEach, describe, expect, it } from 'vitest';
import { PeerLinks, PeerServer } from '../runtime/live/peer-links.js';

const TOKEN = 'a-token-of-the-run-0123456789';
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function receiver(token = TOKEN) {
  const got: [number, unknown][] = [];
  const server = await PeerServer.listen('127.0.0.1', 0, token, (ref, msg) => got.push([ref, msg]));
  open.push(server);
  return { server, got };
}

function sender(directory: Record<number, string>, token = TOKEN) {
  const lost = { n: 0 };
  const links = new PeerLinks(token, (n) => (lost.n += n));
  links.setDirectory(directory);
  open.push(links);
  return { links, lost };
}

const until = async (what: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('peer links', () => {
  it('deliver every send to the process that hosts the receiver, in the order sent, values as structured clone keeps them', async () => {
    const a = await receiver();
    const b = await receiver();
    const { links, lost } = sender({ 1: a.server.url, 2: b.server.url });
    for (let i = 0; i < 500; i++) links.send(1 + (i % 2), (1 + (i % 2)) * 1000 + 3, { i, at: new Map([['k', i]]) });
    // Some after a pause: a second frame on the open connection.
    await new Promise((r) => setTimeout(r, 50));
    links.send(1, 1003, { i: 500 });
    await until(() => a.got.length === 251 && b.got.length === 250);
    expect(a.got.map(([, m]) => (m as { i: number }).i)).toEqual([...Array.from({ length: 250 }, (_, k) => 2 * k), 500]);
    expect(b.got.every(([ref]) => ref === 2003)).toBe(true);
    expect((a.got[1][1] as { at: Map<string, number> }).at.get('k')).toBe(2);
    expect(lost.n).toBe(0);
  });

  it('refuse a connection without the run token: its sends are lost and counted, never delivered', async () => {
    const a = await receiver();
    const { links, lost } = sender({ 1: a.server.url }, 'another-token-entirely-000000');
    links.send(1, 1001, { x: 1 });
    links.send(1, 1001, { x: 2 });
    await until(() => lost.n === 2);
    expect(a.got).toEqual([]);
  });

  it('count sends to a process that is not known yet or has gone; reach it again at its new address', async () => {
    const a = await receiver();
    const { links, lost } = sender({ 1: a.server.url });
    links.send(2, 2001, 'nobody');
    expect(lost.n).toBe(1);
    links.send(1, 1001, 'first');
    await until(() => a.got.length === 1);
    await a.server.close();
    // The connection is gone: sends fail until the directory names where the process is now.
    await new Promise((r) => setTimeout(r, 50));
    links.send(1, 1001, 'into the void');
    await until(() => lost.n === 2);
    const again = await receiver();
    links.setDirectory({ 1: again.server.url });
    links.send(1, 1001, 'after the restart');
    await until(() => again.got.length === 1);
    expect(again.got[0]).toEqual([1001, 'after the restart']);
    expect(lost.n).toBe(2);
  });

  it('answer only on the peer path (and the join path when the run takes workers)', async () => {
    const a = await receiver();
    const { WebSocket } = await import('ws');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(a.server.joinUrl, { headers: { 'x-faultline-token': TOKEN } });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(404);
  });
});
