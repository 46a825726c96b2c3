// Kafka's default partitioner for keyed records: toPositive(murmur2(utf8(key))) % n,
// as in org.apache.kafka.common.utils.Utils, so keys land on the same partitions
// in the simulator as on a real broker.

const encoder = new TextEncoder();

/** Kafka's murmur2 (a signed 32-bit result, as Java returns it). */
export function murmur2(data: Uint8Array | string): number {
  if (typeof data !== 'string') return murmur2OfBytes(latin1(data));
  return murmur2OfBytes(isAscii(data) ? data : latin1(encoder.encode(data)));
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Bytes as a string of char codes 0-255, one per byte. */
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

// Every record key is hashed, so the bytes are read as char codes of a string: an ASCII
// key (the common case) is its own bytes, with no byte array allocated per record.
function murmur2OfBytes(s: string): number {
  const length = s.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = s.charCodeAt(i4) | (s.charCodeAt(i4 + 1) << 8) | (s.charCodeAt(i4 + 2) << 16) | (s.charCodeAt(i4 + 3) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= s.charCodeAt(tail + 2) << 16;
    // falls through
    case 2:
      h ^= s.charCodeAt(tail + 1) << 8;
    // falls through
    case 1:
      h ^= s.charCodeAt(tail);
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
