// The flags of a run that workers join from elsewhere: where it listens, and its token.
import { isIP } from 'node:net';
import { UsageError } from './usage-error.js';

export const JOIN_TOKEN_ENV = 'FAULTLINE_JOIN_TOKEN';

/** --listen HOST:PORT: an address of this machine the others reach it by (not a wildcard), a port (0: any free one). */
export function parseListen(raw: unknown): { host: string; port: number } | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (m === null) throw new UsageError(`--listen "${text}" is not HOST:PORT, e.g. --listen 10.0.0.5:7311 (an address of this machine the workers' machines reach; port 0: any free one).`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65_535) throw new UsageError(`--listen port ${port} is not a port (0 to 65535).`);
  if (host === '0.0.0.0' || host === '::') throw new UsageError(`--listen ${host} is every address, and the other processes must be told one: give an address of this machine they reach it by, e.g. --listen 10.0.0.5:${port}.`);
  if (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) throw new UsageError(`--listen "${host}" is not a host name or an IP address.`);
  return { host, port };
}

/** The run's token from FAULTLINE_JOIN_TOKEN: required to join, optional to start a run (a random one is made and printed). */
export function joinToken(required: boolean): string | undefined {
  const t = process.env[JOIN_TOKEN_ENV];
  if (t === undefined || t === '') {
    if (required) throw new UsageError(`faultline worker needs the run's token in ${JOIN_TOKEN_ENV} (the run prints it, or set the same value for faultline live and every worker).`);
    return undefined;
  }
  if (t.length < 16) throw new UsageError(`${JOIN_TOKEN_ENV} is ${t.length} characters: use at least 16 (it is all that keeps others from sending to the run's actors).`);
  return t;
}
