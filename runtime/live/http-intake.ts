// A service's real HTTP endpoint (POST / with the request as JSON, answered with the
// service's reply as JSON), and the caller's side of it: the load generator reaching its
// intake, and, with service processes, every call between services. A request the service
// does not answer within the timeout is a lost response: the caller's own timeout and retry
// logic take it from there. A message that carries no `replyTo` is one-way: it is answered
// 202 at once, as a fire-and-forget notification is.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveActor } from './live-actor.js';

/** Server side: each exchange gets a negative ref; the service's reply to it is the HTTP response. */
export class HttpIntake {
  private readonly server: http.Server;
  private readonly open = new Map<number, http.ServerResponse>();
  url = '';

  constructor(
    private readonly actor: LiveActor,
    private readonly count: (metric: string) => void,
    /** A lost-response fault: the request was applied, its answer never arrives. */
    private readonly loseAnswer: () => boolean = () => false,
    private readonly answerTimeoutMs = 30_000,
    /** Exchange ids, unique over every endpoint of the process (a reply's negative ref names one). */
    private readonly nextId: () => number = exchangeIds(),
  ) {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 60_000;
  }

  /** On `host`: the address other processes (perhaps on other machines) reach this one by. */
  listen(host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, host, () => {
      const shown = host.includes(':') ? `[${host}]` : host;
      this.url = `http://${shown}:${(this.server.address() as AddressInfo).port}/`;
      resolve();
    }));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end('{"error":"body is not JSON"}');
        return;
      }
      this.count('live.http.requests');
      if (req.headers[ONE_WAY] !== undefined) {
        res.writeHead(202).end();
        this.actor.deliver(body);
        return;
      }
      const id = this.nextId();
      this.open.set(id, res);
      const timer = setTimeout(() => {
        if (this.open.delete(id)) res.writeHead(504).end();
      }, this.answerTimeoutMs);
      res.on('close', () => {
        clearTimeout(timer);
        this.open.delete(id);
      });
      this.actor.deliver({ ...body, replyTo: -id });
    });
  }

  /** Whether exchange `ref` (a negative ref) is one of this endpoint's, still open. */
  owns(ref: number): boolean {
    return this.open.has(-ref);
  }

  /** The service answered exchange `ref` (a negative ref). */
  reply(ref: number, msg: unknown): void {
    const res = this.open.get(-ref);
    if (res === undefined) return; // timed out, or the caller went away
    this.open.delete(-ref);
    if (this.loseAnswer()) {
      this.count('live.http.answersLost');
      res.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(msg));
  }

  close(): Promise<void> {
    for (const res of this.open.values()) res.destroy();
    this.open.clear();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const ONE_WAY = 'x-faultline-one-way';

/** Exchange ids, 1, 2, 3…: one counter shared by the endpoints of a process. */
export function exchangeIds(): () => number {
  let next = 1;
  return () => next++;
}

/** Client side: POSTs a message; a 200 answer is delivered back, a refusal as `$rejected`, a timeout or error as nothing. */
export class HttpSender {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly target: URL;

  constructor(readonly url: string, private readonly timeoutMs: number, private readonly count: (metric: string) => void) {
    this.target = new URL(url);
  }

  send(msg: unknown, deliver: (reply: unknown) => void): void {
    const { replyTo, ...body } = msg as Record<string, unknown>;
    const payload = JSON.stringify(body);
    const req = http.request({
      host: this.target.hostname, port: this.target.port, path: this.target.pathname, method: 'POST', agent: this.agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(replyTo === undefined ? { [ONE_WAY]: '1' } : {}) },
      timeout: this.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 202) return;
        if (res.statusCode === 200) {
          try {
            deliver(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            this.count('live.http.badAnswers');
          }
        } else {
          this.count(`live.http.status${res.statusCode}`);
          if (res.statusCode === 429 || res.statusCode === 503) deliver({ type: '$rejected', status: res.statusCode, original: msg });
        }
      });
    });
    req.on('timeout', () => {
      this.count('live.http.timeouts');
      req.destroy();
    });
    req.on('error', () => this.count('live.http.errors'));
    req.end(payload);
  }

  close(): void {
    this.agent.destroy();
  }
}
