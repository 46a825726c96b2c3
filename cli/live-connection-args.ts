// The broker and database flags that live and cleanup share, checked before anything connects.
import { connectionFrom, type KafkaConnection } from '../runtime/live/kafka-connection.js';
import { UsageError } from './usage-error.js';

export function checkDbUrl(url: string | undefined, command: string): string {
  if (url === undefined || url.trim() === '') throw new UsageError(`${command} needs --db URL, e.g. --db postgres://postgres@127.0.0.1:15432/faultline (npm run pg:up starts one).`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('--db is not a URL (it is not shown, in case it holds a password); give postgres://USER[:PASSWORD]@HOST:PORT/DATABASE.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new UsageError(`--db must be a postgres:// URL, got a ${u.protocol}// one.`);
  return url;
}

/** --brokers with its TLS and SASL flags (or their FAULTLINE_KAFKA_* variables). */
export function kafkaConnectionArgs(a: Record<string, unknown>, command: string): KafkaConnection {
  if (a.brokers === undefined) throw new UsageError(`${command} needs --brokers HOST:PORT[,…], e.g. --brokers 127.0.0.1:19092 (npm run kafka:up starts one).`);
  return connectionFrom(String(a.brokers), {
    tls: a.tls as boolean | undefined, tlsCa: a['tls-ca'] as string | undefined, tlsInsecure: a['tls-insecure'] as boolean | undefined,
    saslMechanism: a['sasl-mechanism'] as string | undefined, saslUsername: a['sasl-username'] as string | undefined, saslPassword: a['sasl-password'] as string | undefined,
  });
}
