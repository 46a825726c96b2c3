// The simulator's event queue: a binary min-heap ordered by (time, sequence).
// The sequence number is assigned at scheduling, so events due at the same virtual
// time run in the order they were scheduled, never in an order a sort left undefined.
//
// The heap holds numbers only: each entry is (time, sequence, slot) in three typed
// arrays, and the caller keeps what an event carries in its own arrays under the slot.
// Sifting then compares contiguous doubles instead of chasing one object per entry,
// and no object is allocated per event (docs/decisions.md, "event queue").
import { grown } from './typed-array.js';

export class EventQueue {
  private times = new Float64Array(256);
  private seqs = new Float64Array(256);
  private slots = new Int32Array(256);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** Schedules the event kept under `slot` at time `t`; it gets the next sequence number. */
  push(t: number, slot: number): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const s = this.nextSeq++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < t || (pt === t && seqs[p] < s)) break;
      times[i] = pt;
      seqs[i] = seqs[p];
      slots[i] = slots[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    slots[i] = slot;
  }

  /** Due time of the next event; Infinity when the queue is empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.times[0];
  }

  /** Removes the next event and returns its slot; -1 when the queue is empty. */
  pop(): number {
    const n = this.n;
    if (n === 0) return -1;
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const top = slots[0];
    const m = n - 1;
    this.n = m;
    if (m > 0) {
      const lt = times[m];
      const ls = seqs[m];
      const lslot = slots[m];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        let ct = times[c];
        const r = c + 1;
        if (r < m) {
          const rt = times[r];
          if (rt < ct || (rt === ct && seqs[r] < seqs[c])) {
            c = r;
            ct = rt;
          }
        }
        if (lt < ct || (lt === ct && ls < seqs[c])) break;
        times[i] = ct;
        seqs[i] = seqs[c];
        slots[i] = slots[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      slots[i] = lslot;
    }
    return top;
  }

  /** Visits the slot of every queued event, in no particular order. */
  forEachSlot(fn: (slot: number) => void): void {
    for (let i = 0; i < this.n; i++) fn(this.slots[i]);
  }

  private grow(): void {
    const cap = this.times.length * 2;
    this.times = grown(this.times, cap);
    this.seqs = grown(this.seqs, cap);
    this.slots = grown(this.slots, cap);
  }
}

/** Numbered slots for what queued events carry: taken at scheduling, given back when handled. */
export class SlotPool {
  private free = new Int32Array(256);
  private nFree = 0;
  /** Slots ever handed out; the carrier arrays must be at least this long. */
  capacity = 0;

  take(): number {
    if (this.nFree > 0) return this.free[--this.nFree];
    return this.capacity++;
  }

  give(slot: number): void {
    if (this.nFree === this.free.length) this.free = grown(this.free, this.free.length * 2);
    this.free[this.nFree++] = slot;
  }
}
