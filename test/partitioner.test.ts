import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../runtime/sim/kafka/partitioner.js';

// Vectors from Kafka's own UtilsTest.testMurmur2 (org.apache.kafka.common.utils).
const KAFKA_VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe("Kafka's default partitioner", () => {
  it.each(KAFKA_VECTORS)('murmur2(%s) = %i as in the Java client', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
  });

  it('picks toPositive(murmur2) % partitions', () => {
    for (const [key, h] of KAFKA_VECTORS) expect(partitionForKey(key, 12)).toBe((h & 0x7fffffff) % 12);
  });

  it('hashes non-ASCII keys by their UTF-8 bytes', () => {
    expect(murmur2('é')).toBe(murmur2(new Uint8Array([0xc3, 0xa9])));
  });
});
