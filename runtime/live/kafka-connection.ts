// How the live runtime reaches a Kafka cluster: broker list, TLS and SASL from flags or
// the environment. Secrets stay in this object: `describeConnection` is what results
// and messages may show.
import { InputError } from '../input-error.js';
import { readFileSync } from 'node:fs';
import { Kafka, Partitioners, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly tls?: { readonly caFile?: string; readonly insecure?: boolean };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
}

/** Why a connection setting is unusable: reported as bad usage. */
export class ConnectionError extends InputError {}

const HOST_PORT = /^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** Parses `HOST:PORT[,…]`; throws ConnectionError naming the bad entry. */
export function parseBrokers(list: string): string[] {
  const brokers = list.split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) throw new ConnectionError('--brokers is empty: give HOST:PORT[,HOST:PORT…], e.g. 127.0.0.1:19092');
  for (const b of brokers) {
    const port = Number(b.slice(b.lastIndexOf(':') + 1));
    if (!HOST_PORT.test(b) || port < 1 || port > 65535) throw new ConnectionError(`--brokers: "${b}" is not HOST:PORT (e.g. 127.0.0.1:19092)`);
  }
  return brokers;
}

/** Reads SASL/TLS settings from flags, falling back to FAULTLINE_KAFKA_* variables (so passwords need not be typed on a command line). */
export function connectionFrom(
  brokers: string,
  opts: { tls?: boolean; tlsCa?: string; tlsInsecure?: boolean; saslMechanism?: string; saslUsername?: string; saslPassword?: string },
  env: NodeJS.ProcessEnv = process.env,
): KafkaConnection {
  const mechanism = (opts.saslMechanism ?? env.FAULTLINE_KAFKA_SASL_MECHANISM)?.toLowerCase();
  const username = opts.saslUsername ?? env.FAULTLINE_KAFKA_SASL_USERNAME;
  const password = opts.saslPassword ?? env.FAULTLINE_KAFKA_SASL_PASSWORD;
  const caFile = opts.tlsCa ?? env.FAULTLINE_KAFKA_TLS_CA;
  const tlsOn = opts.tls === true || env.FAULTLINE_KAFKA_TLS === '1' || caFile !== undefined || opts.tlsInsecure === true;
  let sasl: KafkaConnection['sasl'];
  if (mechanism !== undefined) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      throw new ConnectionError(`--sasl-mechanism: "${mechanism}" is not one of plain, scram-sha-256, scram-sha-512`);
    }
    if (username === undefined || password === undefined) {
      throw new ConnectionError(`SASL ${mechanism} needs a username and a password (--sasl-username, and --sasl-password or FAULTLINE_KAFKA_SASL_PASSWORD)`);
    }
    sasl = { mechanism, username, password };
  } else if (username !== undefined || password !== undefined) {
    throw new ConnectionError('a SASL username or password was given without --sasl-mechanism (plain, scram-sha-256 or scram-sha-512)');
  }
  if (caFile !== undefined) {
    try {
      readFileSync(caFile);
    } catch {
      throw new ConnectionError(`--tls-ca: cannot read the CA file "${caFile}"`);
    }
  }
  return { brokers: parseBrokers(brokers), tls: tlsOn ? { caFile, insecure: opts.tlsInsecure } : undefined, sasl };
}

/**
 * A database URL fit to print: the user, host, port and database, never a password (in
 * the authority or the query), and nothing at all of a URL that does not parse.
 */
export function describeDbUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return 'the --db URL (unparseable, not shown)';
  }
}

/** What may be printed or stored: brokers, whether TLS is on, the SASL mechanism and user; never the password. */
export function describeConnection(c: KafkaConnection): Record<string, unknown> {
  return { brokers: [...c.brokers], tls: c.tls !== undefined, sasl: c.sasl === undefined ? null : { mechanism: c.sasl.mechanism, username: c.sasl.username } };
}

/** A kafkajs client that fails fast (a few seconds) instead of retrying for minutes. */
export function kafkaClient(c: KafkaConnection, clientId: string): Kafka {
  const config: KafkaConfig = {
    clientId,
    brokers: [...c.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  };
  if (c.tls !== undefined) config.ssl = { rejectUnauthorized: c.tls.insecure !== true, ca: c.tls.caFile === undefined ? undefined : [readFileSync(c.tls.caFile, 'utf8')] };
  if (c.sasl !== undefined) config.sasl = { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } as SASLOptions;
  return new Kafka(config);
}

/** Kafka's Java default partitioner (murmur2 of the key): keys land where the simulator puts them. */
export const JAVA_COMPATIBLE_PARTITIONER = Partitioners.DefaultPartitioner;
