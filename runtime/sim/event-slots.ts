// What queued events carry, kept by slot in typed arrays (no object per event).
import { grown } from './typed-array.js';
import type { SimActor } from './sim-actor.js';

/**
 * What queued events carry, by slot (SoA: no object per event). `inc` is the incarnation
 * of the actor the event belongs to (-1: any), so a crash orphans older events; `timer`
 * is the timer id (0 for messages), for cancellation.
 */
export class EventSlots {
  kind = new Uint8Array(256);
  inc = new Int32Array(256);
  timer = new Float64Array(256);
  /** A message sent ahead (sendAfter): when it leaves its sender (0: it has left), who that is, and its latency. */
  depart = new Float64Array(256);
  from = new Int32Array(256);
  lat = new Float64Array(256);
  readonly actor: (SimActor | null)[] = [];
  readonly msg: unknown[] = [];
  readonly fn: ((() => void) | null)[] = [];

  /** Makes room for slots below `n`. */
  ensure(n: number): void {
    if (n > this.kind.length) {
      let cap = this.kind.length * 2;
      while (cap < n) cap *= 2;
      this.kind = grown(this.kind, cap);
      this.inc = grown(this.inc, cap);
      this.timer = grown(this.timer, cap);
      this.depart = grown(this.depart, cap);
      this.from = grown(this.from, cap);
      this.lat = grown(this.lat, cap);
    }
    while (this.actor.length < n) {
      this.actor.push(null);
      this.msg.push(undefined);
      this.fn.push(null);
    }
  }
}

