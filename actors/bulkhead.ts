// A bulkhead as a value on the actor's clock: at most `maxConcurrentCalls` calls in flight,
// up to `maxQueue` more waiting, each for at most `maxWaitDurationMs` (resilience4j's
// Bulkhead; cockatiel's bulkhead(limit, queue)). The caller asks to enter with a call id;
// when a call ends it exits, and the bulkhead says which waiting call may go next. Waiting
// calls past their wait are handed back (by `exit`, or by `expired` from a timer) for the
// caller to answer as refused (a 503).
import { z } from 'zod';

export const bulkheadSchema = z.strictObject({
  maxConcurrentCalls: z.number().int().min(1),
  maxQueue: z.number().int().min(0).default(0),
  maxWaitDurationMs: z.number().min(0).default(0),
});

export type Admission = 'admitted' | 'queued' | 'rejected';

export class Bulkhead<Id = string> {
  private readonly o: z.output<typeof bulkheadSchema>;
  private inFlight = 0;
  private readonly queue: { id: Id; since: number }[] = [];

  constructor(options: z.input<typeof bulkheadSchema>) {
    this.o = bulkheadSchema.parse(options);
  }

  get active(): number {
    return this.inFlight;
  }

  get waiting(): number {
    return this.queue.length;
  }

  enter(id: Id, nowMs: number): Admission {
    if (this.inFlight < this.o.maxConcurrentCalls && this.queue.length === 0) {
      this.inFlight++;
      return 'admitted';
    }
    if (this.queue.length < this.o.maxQueue) {
      this.queue.push({ id, since: nowMs });
      return 'queued';
    }
    return 'rejected';
  }

  /**
   * A call ended: the next waiting call still within its wait goes in (`admitted`); those
   * that waited too long come back in `expired`, to be answered as refused.
   */
  exit(nowMs: number): { admitted: Id | undefined; expired: Id[] } {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const expired = this.expired(nowMs);
    const next = this.queue.shift();
    if (next !== undefined) this.inFlight++;
    return { admitted: next?.id, expired };
  }

  /** Waiting calls that waited longer than maxWaitDurationMs: removed and handed back. */
  expired(nowMs: number): Id[] {
    const out: Id[] = [];
    while (this.queue.length > 0 && nowMs - this.queue[0].since > this.o.maxWaitDurationMs) out.push(this.queue.shift()!.id);
    return out;
  }
}
