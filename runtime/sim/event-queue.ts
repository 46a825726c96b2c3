// The simulator's event queue: a binary min-heap ordered by (time, sequence).
// The sequence number is assigned at scheduling, so events due at the same virtual
// time run in the order they were scheduled, never in an order a sort left undefined.

export interface QueuedEvent {
  /** Due time in integer virtual microseconds. */
  t: number;
  /** Scheduling sequence number: the tie-break at equal times. */
  s: number;
}

export class EventQueue<E extends QueuedEvent> {
  private heap: E[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `e` at `e.t`; assigns its sequence number. */
  push(e: E): void {
    e.s = this.nextSeq++;
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p];
      if (pe.t < e.t || (pe.t === e.t && pe.s < e.s)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  /** Visits every queued event, in no particular order. */
  forEach(fn: (e: E) => void): void {
    for (let i = 0; i < this.heap.length; i++) fn(this.heap[i]);
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  pop(): E | undefined {
    const h = this.heap;
    const n = h.length;
    if (n === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (n > 1) {
      const m = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        let c = l;
        let ce = h[l];
        if (r < m) {
          const re = h[r];
          if (re.t < ce.t || (re.t === ce.t && re.s < ce.s)) {
            c = r;
            ce = re;
          }
        }
        if (last.t < ce.t || (last.t === ce.t && last.s < ce.s)) break;
        h[i] = ce;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
