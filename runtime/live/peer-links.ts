// Sends between the processes of a live run, each straight to the process that hosts the
// receiving actor, over a WebSocket (ws) per pair of processes: no process relays another's
// messages, so the coordinator is not every send's bottleneck, and a worker on another
// machine is reached the same way as one on this one. Every connection carries the run's
// token; messages are v8-serialized (what Node's 'advanced' IPC carried before), a tick's
// sends to one process in one frame.
import { serialize, deserialize } from 'node:v8';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

export const PEER_PATH = '/peer';
export const JOIN_PATH = '/join';
export const TOKEN_HEADER = 'x-faultline-token';
/** A process that refused or dropped a connection is not tried again sooner (its sends meanwhile are lost). */
const RETRY_AFTER_MS = 500;

export type Delivery = (ref: number, msg: unknown) => void;

export function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A process's endpoint: other processes' sends arrive on PEER_PATH; with `onJoin` (the
 * coordinator accepting workers from elsewhere) their control connections on JOIN_PATH.
 */
export class PeerServer {
  private constructor(private readonly wss: WebSocketServer, readonly url: string) {}

  static listen(host: string, port: number, token: string, deliver: Delivery, onJoin?: (ws: WebSocket, req: IncomingMessage) => void): Promise<PeerServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({
        host, port, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024,
        verifyClient: ({ req }, done) => {
          const path = new URL(req.url ?? '/', 'ws://x').pathname;
          if (path !== PEER_PATH && !(path === JOIN_PATH && onJoin !== undefined)) return done(false, 404, 'not a faultline endpoint');
          if (!sameToken(req.headers[TOKEN_HEADER], token)) return done(false, 401, 'wrong or missing run token');
          done(true);
        },
      });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        // A refused client or a broken socket must not bring the process down.
        wss.on('error', () => {});
        const a = wss.address() as AddressInfo;
        const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve(new PeerServer(wss, `ws://${shown}:${a.port}${PEER_PATH}`));
      });
      wss.on('connection', (ws, req) => {
        ws.on('error', () => {});
        if (new URL(req.url ?? '/', 'ws://x').pathname === JOIN_PATH) return onJoin!(ws, req);
        ws.on('message', (data: Buffer) => {
          for (const [ref, msg] of deserialize(data) as [number, unknown][]) deliver(ref, msg);
        });
      });
    });
  }

  /** Where joining workers connect (the same server). */
  get joinUrl(): string {
    return this.url.slice(0, -PEER_PATH.length) + JOIN_PATH;
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

interface Link {
  readonly url: string;
  readonly ws: WebSocket;
  queue: [number, unknown][];
  /** When it failed: sends wait for a new address or RETRY_AFTER_MS. */
  failedAt?: number;
}

/** This process's side of its sends: a connection to each process it sends to, opened on the first send. */
export class PeerLinks {
  private readonly links = new Map<number, Link>();
  private directory = new Map<number, string>();
  private flushing = false;
  private closed = false;

  constructor(
    private readonly token: string,
    /** Counts sends that could not go (`live.sendsLost`): the process was down or not known yet. */
    lost: (n: number) => void,
    /** Counts sends handed to a connection (`live.sendsBetweenProcesses`). */
    private readonly sent: () => void = () => {},
  ) {
    this.lost = (n) => {
      if (n > 0) lost(n);
    };
  }

  private readonly lost: (n: number) => void;

  /** Where each process listens now (a restarted worker listens somewhere new). */
  setDirectory(urls: Readonly<Record<number, string>>): void {
    this.directory = new Map(Object.entries(urls).map(([k, v]) => [Number(k), v]));
    for (const [index, link] of this.links) {
      if (this.directory.get(index) !== link.url) this.drop(index, link);
    }
  }

  send(index: number, ref: number, msg: unknown): void {
    const link = this.linkTo(index);
    if (link === undefined) {
      this.lost(1);
      return;
    }
    link.queue.push([ref, msg]);
    this.sent();
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private linkTo(index: number): Link | undefined {
    if (this.closed) return undefined;
    const url = this.directory.get(index);
    let link = this.links.get(index);
    if (link !== undefined && link.failedAt !== undefined) {
      if (Date.now() - link.failedAt < RETRY_AFTER_MS) return undefined;
      this.links.delete(index);
      link = undefined;
    }
    if (link !== undefined || url === undefined) return link;
    const ws = new WebSocket(url, { headers: { [TOKEN_HEADER]: this.token }, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    const created: Link = { url, ws, queue: [] };
    ws.on('open', () => this.flush());
    const failed = () => {
      if (created.failedAt !== undefined) return;
      created.failedAt = Date.now();
      this.lost(created.queue.length);
      created.queue = [];
    };
    ws.on('error', failed);
    ws.on('close', failed);
    this.links.set(index, created);
    return created;
  }

  private flush(): void {
    this.flushing = false;
    for (const link of this.links.values()) {
      if (link.queue.length === 0 || link.ws.readyState !== WebSocket.OPEN) continue;
      const batch = link.queue;
      link.queue = [];
      link.ws.send(serialize(batch));
    }
  }

  private drop(index: number, link: Link): void {
    this.links.delete(index);
    if (link.failedAt === undefined) this.lost(link.queue.length);
    link.queue = [];
    link.ws.terminate();
  }

  /** Sends already handed to a socket go out; then every connection closes. */
  close(): void {
    this.closed = true;
    this.flush();
    for (const [index, link] of this.links) {
      this.links.delete(index);
      if (link.ws.readyState === WebSocket.OPEN) link.ws.close();
      else link.ws.terminate();
    }
  }
}
