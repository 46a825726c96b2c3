// A circuit breaker as a value a behaviour keeps in its state, on the actor's clock
// (virtual time in the simulator, wall time live): no timers of its own. Options are named
// as resilience4j users know them. Count-based sliding window: once at least
// `minimumNumberOfCalls` outcomes are recorded and the share of failures among the last
// `slidingWindowSize` reaches `failureRateThreshold` (%), the breaker opens; calls are
// not permitted for `waitDurationInOpenStateMs`, then `permittedNumberOfCallsInHalfOpenState`
// probes are: any failure opens it again, that many successes close it.
import { z } from 'zod';

export const circuitBreakerSchema = z.strictObject({
  failureRateThreshold: z.number().gt(0).max(100).default(50),
  minimumNumberOfCalls: z.number().int().min(1).default(10),
  slidingWindowSize: z.number().int().min(1).default(20),
  waitDurationInOpenStateMs: z.number().positive().default(5_000),
  permittedNumberOfCallsInHalfOpenState: z.number().int().min(1).default(3),
  /**
   * Half-open longer than this (its probes' answers not all in) opens it again. resilience4j's
   * default, 0, waits for ever, and a probe whose answer never comes (a lost reply, a caller
   * that moved on) then holds the breaker half-open for good; 0 here means "as long as the open wait".
   */
  maxWaitDurationInHalfOpenStateMs: z.number().min(0).default(0),
});

export type CircuitBreakerOptions = z.input<typeof circuitBreakerSchema>;
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** The state as a number, for a gauge: 0 closed, 1 half-open, 2 open. */
export const BREAKER_LEVEL: Readonly<Record<BreakerState, number>> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };

export class CircuitBreaker {
  private readonly o: z.output<typeof circuitBreakerSchema>;
  private current: BreakerState = 'CLOSED';
  /** Outcomes in the window, oldest first: true a failure. */
  private readonly window: boolean[] = [];
  private failures = 0;
  private openedAt = 0;
  private halfOpenedAt = 0;
  private probesOut = 0;
  private probesSucceeded = 0;

  /** `onTransition` hears every change of state (to count openings, set a gauge). */
  constructor(options: CircuitBreakerOptions = {}, private readonly onTransition?: (to: BreakerState, nowMs: number) => void) {
    this.o = circuitBreakerSchema.parse(options);
  }

  /** The state at `nowMs` (an open breaker whose wait is over is half-open). */
  state(nowMs: number): BreakerState {
    const halfOpenMaxMs = this.o.maxWaitDurationInHalfOpenStateMs || this.o.waitDurationInOpenStateMs;
    // Catch up on the moves the clock has made since it was last asked, each at its own time.
    for (;;) {
      if (this.current === 'OPEN' && nowMs - this.openedAt >= this.o.waitDurationInOpenStateMs) this.move('HALF_OPEN', this.openedAt + this.o.waitDurationInOpenStateMs);
      else if (this.current === 'HALF_OPEN' && nowMs - this.halfOpenedAt >= halfOpenMaxMs) this.move('OPEN', this.halfOpenedAt + halfOpenMaxMs);
      else return this.current;
    }
  }

  /** Whether a call may go out now; a permitted call must report its outcome (onSuccess / onError). */
  tryAcquirePermission(nowMs: number): boolean {
    const s = this.state(nowMs);
    if (s === 'CLOSED') return true;
    if (s === 'OPEN' || this.probesOut >= this.o.permittedNumberOfCallsInHalfOpenState) return false;
    this.probesOut++;
    return true;
  }

  /** How long until a call may be permitted (0: now); half-open with every probe out: ask again after a short wait. */
  permittedInMs(nowMs: number): number {
    const s = this.state(nowMs);
    if (s === 'OPEN') return this.openedAt + this.o.waitDurationInOpenStateMs - nowMs;
    if (s === 'HALF_OPEN' && this.probesOut >= this.o.permittedNumberOfCallsInHalfOpenState) return Math.max(1, this.halfOpenedAt + (this.o.maxWaitDurationInHalfOpenStateMs || this.o.waitDurationInOpenStateMs) - nowMs);
    return 0;
  }

  onSuccess(nowMs: number): void {
    if (this.state(nowMs) === 'HALF_OPEN') {
      if (++this.probesSucceeded >= this.o.permittedNumberOfCallsInHalfOpenState) this.move('CLOSED', nowMs);
      return;
    }
    if (this.current === 'CLOSED') this.record(false, nowMs);
  }

  onError(nowMs: number): void {
    const s = this.state(nowMs);
    if (s === 'HALF_OPEN') this.move('OPEN', nowMs);
    else if (s === 'CLOSED') this.record(true, nowMs);
  }

  private record(failed: boolean, nowMs: number): void {
    this.window.push(failed);
    if (failed) this.failures++;
    if (this.window.length > this.o.slidingWindowSize && this.window.shift() === true) this.failures--;
    if (this.window.length >= this.o.minimumNumberOfCalls && (this.failures * 100) / this.window.length >= this.o.failureRateThreshold) this.move('OPEN', nowMs);
  }

  private move(to: BreakerState, nowMs: number): void {
    this.current = to;
    if (to === 'OPEN') this.openedAt = nowMs;
    if (to === 'HALF_OPEN') this.halfOpenedAt = nowMs;
    this.probesOut = 0;
    this.probesSucceeded = 0;
    if (to === 'CLOSED' || to === 'OPEN') {
      this.window.length = 0;
      this.failures = 0;
    }
    this.onTransition?.(to, nowMs);
  }
}
