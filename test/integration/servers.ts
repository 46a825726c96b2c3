// Where the integration tests find the project's servers (npm run kafka:up / pg:up),
// and whether they answer.
import { Kafka, logLevel } from 'kafkajs';

export const brokers = [`127.0.0.1:${process.env.FAULTLINE_KAFKA_PORT ?? 19092}`];
export const dbUrl = process.env.FAULTLINE_PG_URL ?? `postgres://postgres@127.0.0.1:${process.env.FAULTLINE_PG_PORT ?? 15432}/faultline`;
export const testKafka = new Kafka({ clientId: 'faultline-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1500, retry: { retries: 1 } });

/** Whether a broker answers (a metadata request), within a couple of seconds. */
export async function brokerUp(): Promise<boolean> {
  const admin = testKafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
