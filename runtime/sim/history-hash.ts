// Incremental hash of the observed history. Two 32-bit lanes mixed with Math.imul:
// cheap enough for the dispatch loop, identical on every machine, and it keeps no
// log, so memory does not grow with the number of events.

export class HistoryHash {
  private h1 = 0x9747b28c;
  private h2 = 0x6a09e667;
  private n = 0;

  /** Mixes one 32-bit-safe integer (larger numbers are folded). */
  mix(x: number): void {
    const lo = x | 0;
    const hi = (x / 4294967296) | 0;
    let k = Math.imul(lo ^ hi, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    this.h1 ^= k;
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h1 = (Math.imul(this.h1, 5) + 0xe6546b64) | 0;
    this.h2 = Math.imul(this.h2 ^ k ^ this.h1, 0x85ebca77);
    this.n++;
  }

  mixString(s: string): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    this.mix(h);
  }

  /** 16 hex digits; does not change the running state. */
  digest(): string {
    let a = this.h1 ^ this.n;
    let b = this.h2 ^ Math.imul(this.n, 0x27d4eb2f);
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
    a ^= a >>> 16;
    b = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d);
    b = Math.imul(b ^ (b >>> 12), 0x297a2d39);
    b ^= b >>> 15;
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}
