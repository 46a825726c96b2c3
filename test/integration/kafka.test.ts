// Against a real broker (npm run kafka:up). Without one it says what it skips and why;
// in CI (FAULTLINE_REQUIRE_KAFKA=1) a missing broker fails the run.
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { brokerUp, brokers, testKafka } from './servers.js';
import { partitionForKey } from '../../runtime/sim/kafka/partitioner.js';

const kafka = testKafka;

const up = await brokerUp();
if (!up && process.env.FAULTLINE_REQUIRE_KAFKA === '1') throw new Error(`no Kafka broker answers on ${brokers[0]} but FAULTLINE_REQUIRE_KAFKA=1`);
if (!up) console.warn(`test:kafka: skipping: no Kafka broker answers on ${brokers[0]} (start one with "npm run kafka:up")`);

describe.skipIf(!up)('real Kafka', () => {
  it("keys land on the partitions the simulator's partitioner picks", async () => {
    const topic = `faultline-partitioner-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 12, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    const keys = Array.from({ length: 200 }, (_, i) => `rf-${i + 1}`);
    const sent = await producer.send({ topic, messages: keys.map((key) => ({ key, value: '{}' })), acks: -1 });
    await producer.disconnect();
    expect(sent.length).toBeGreaterThan(1);
    // Read every record back and compare where each key landed.
    const consumer = kafka.consumer({ groupId: `${topic}-check` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const landed = new Map<string, number>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${landed.size} of ${keys.length} records came back`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          landed.set(message.key!.toString(), partition);
          if (landed.size === keys.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    for (const key of keys) expect(landed.get(key), key).toBe(partitionForKey(key, 12));
  }, 60_000);
});
