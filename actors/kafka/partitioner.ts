// Kafka's default partitioner for keyed records: toPositive(murmur2(utf8(key))) % n,
// as in org.apache.kafka.common.utils.Utils, so keys land on the same partitions
// in the simulator as on a real broker.

const encoder = new TextEncoder();

/** Kafka's murmur2 (a signed 32-bit result, as Java returns it). */
export function murmur2(data: Uint8Array | string): number {
  if (typeof data === 'string') return isAscii(data) ? murmur2Ascii(data) : murmur2Bytes(encoder.encode(data));
  return murmur2Bytes(data);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// Every record key is hashed, so an ASCII key (the common case) is read straight from
// the string's char codes: one byte each, no byte array allocated per record.
function murmur2Ascii(s: string): number {
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

function murmur2Bytes(b: Uint8Array): number {
  const length = b.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = b[i4] | (b[i4 + 1] << 8) | (b[i4 + 2] << 16) | (b[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= b[tail + 2] << 16;
    // falls through
    case 2:
      h ^= b[tail + 1] << 8;
    // falls through
    case 1:
      h ^= b[tail];
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
