// The live consumer against a real broker (npm run kafka:up): what it commits after its
// group has moved partitions elsewhere. Without a broker it says what it skips and why;
// in CI (FAULTLINE_REQUIRE_KAFKA=1) a missing broker fails the run.
import { describe, expect, it } from 'vitest';
import { brokerUp, brokers, testKafka } from './servers.js';
import { LiveConsumer } from '../../runtime/live/live-consumer.js';
import type { LiveActor } from '../../runtime/live/live-actor.js';

const up = await brokerUp();
if (!up && process.env.FAULTLINE_REQUIRE_KAFKA === '1') throw new Error(`no Kafka broker answers on ${brokers[0]} but FAULTLINE_REQUIRE_KAFKA=1`);
if (!up) console.warn(`test:kafka: skipping the live consumer: no Kafka broker answers on ${brokers[0]} (start one with "npm run kafka:up")`);

/** Just enough of an actor: takes every batch at once and remembers each assignment it heard of. */
function fakeActor(): LiveActor & { assignments: { topic: string; partition: number }[][] } {
  const assignments: { topic: string; partition: number }[][] = [];
  const deliver = (msg: { type: string; partitions?: { topic: string; partition: number }[] }, done?: () => void) => {
    if (msg.type === '$assigned') assignments.push(msg.partitions!);
    done?.();
  };
  return { assignments, incarnation: 0, deliver, deliverAndWait: async (msg: never) => deliver(msg) } as unknown as LiveActor & { assignments: { topic: string; partition: number }[][] };
}

async function until(what: string, ok: () => boolean, ms = 40_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!up)('live consumer (real Kafka)', () => {
  it("a former owner's commit does not move the new owner's offset back", async () => {
    const topic = `faultline-commit-${Date.now()}`;
    const group = `${topic}-g`;
    const naming = { topic: (t: string) => t, logical: (t: string) => t, group: (g: string) => g };
    const spec = { group, topics: [topic] };
    const admin = testKafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    const producer = testKafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: '{}' })) });
    await producer.disconnect();
    const dropped: string[] = [];
    const a = fakeActor();
    const b = fakeActor();
    const first = new LiveConsumer(testKafka, a, spec, naming, () => {}, undefined, undefined, (m) => dropped.push(m));
    const second = new LiveConsumer(testKafka, b, spec, naming, () => {}, undefined, undefined, () => {});
    try {
      await first.start();
      await until('the first member owning both partitions', () => a.assignments.at(-1)?.length === 2);
      await second.start();
      await until('the partitions being shared', () => a.assignments.at(-1)?.length === 1 && b.assignments.at(-1)?.length === 1);
      const moved = b.assignments.at(-1)![0].partition;
      // The new owner commits its progress; then the former owner finishes an old batch of that partition.
      await second.commit([[topic, moved, 20]]);
      await first.commit([[topic, moved, 5]]);
      const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(committed[0].partitions.find((p) => p.partition === moved)?.offset).toBe('20');
      expect(dropped).toContain(`live.${group}.offsetCommitsDropped`);
      // Its own partition it still commits.
      const kept = a.assignments.at(-1)![0].partition;
      await first.commit([[topic, kept, 7]]);
      const after = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(after[0].partitions.find((p) => p.partition === kept)?.offset).toBe('7');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  }, 90_000);
});
