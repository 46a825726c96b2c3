import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../actors/circuit-breaker.js';

// The kit's circuit breaker on a clock the test moves: CLOSED -> OPEN -> HALF_OPEN -> CLOSED
// (and back to OPEN on a failed probe), with resilience4j's options.
function breaker() {
  const moves: [BreakerState, number][] = [];
  const b = new CircuitBreaker({ failureRateThreshold: 50, minimumNumberOfCalls: 4, slidingWindowSize: 6, waitDurationInOpenStateMs: 1_000, permittedNumberOfCallsInHalfOpenState: 2 }, (to, t) => moves.push([to, t]));
  return { b, moves };
}

describe('circuit breaker', () => {
  it('stays closed below the minimum number of calls, whatever fails, and opens at the failure rate once it is reached', () => {
    const { b, moves } = breaker();
    for (let t = 0; t < 3; t++) b.onError(t);
    expect(b.state(3)).toBe('CLOSED');
    b.onSuccess(4); // 3 of 4 failed: 75% >= 50%
    expect(b.state(4)).toBe('OPEN');
    expect(moves).toEqual([['OPEN', 4]]);
  });

  it('counts only the sliding window: old failures slide out', () => {
    const { b } = breaker();
    b.onError(1);
    for (let t = 2; t < 8; t++) b.onSuccess(t); // 1 of 4 at most, then the failure slides out of the last 6
    b.onError(8);
    b.onError(9); // 2 of 6: 33%
    expect(b.state(9)).toBe('CLOSED');
    b.onError(10); // 3 of 6: 50% (a window that kept the first failure: 4 of 10, closed)
    expect(b.state(10)).toBe('OPEN');
  });

  it('permits nothing while open, then that many probes half-open; probes that succeed close it', () => {
    const { b, moves } = breaker();
    for (let t = 0; t < 4; t++) b.onError(t);
    expect(b.tryAcquirePermission(500)).toBe(false);
    expect(b.permittedInMs(500)).toBe(503);
    expect(b.tryAcquirePermission(1_003)).toBe(true);
    expect(b.tryAcquirePermission(1_004)).toBe(true);
    expect(b.tryAcquirePermission(1_005)).toBe(false); // both probes out
    expect(b.permittedInMs(1_005)).toBeGreaterThan(0);
    b.onSuccess(1_010);
    expect(b.state(1_010)).toBe('HALF_OPEN');
    b.onSuccess(1_011);
    expect(b.state(1_011)).toBe('CLOSED');
    expect(b.tryAcquirePermission(1_012)).toBe(true);
    expect(moves.map(([s]) => s)).toEqual(['OPEN', 'HALF_OPEN', 'CLOSED']);
  });

  it('a failed probe opens it again for the whole wait', () => {
    const { b, moves } = breaker();
    for (let t = 0; t < 4; t++) b.onError(t);
    expect(b.tryAcquirePermission(1_500)).toBe(true);
    b.onError(1_600);
    expect(b.state(1_600)).toBe('OPEN');
    expect(b.tryAcquirePermission(2_599)).toBe(false);
    expect(b.tryAcquirePermission(2_600)).toBe(true);
    expect(moves).toEqual([['OPEN', 3], ['HALF_OPEN', 1_003], ['OPEN', 1_600], ['HALF_OPEN', 2_600]]);
  });

  it('refuses options resilience4j would refuse', () => {
    expect(() => new CircuitBreaker({ failureRateThreshold: 0 })).toThrow();
    expect(() => new CircuitBreaker({ minimumNumberOfCalls: 0 })).toThrow();
  });

  it('half-open with a probe whose answer never comes opens again after the half-open wait, and probes anew', () => {
    const { b, moves } = breaker();
    for (let t = 0; t < 4; t++) b.onError(t);
    expect(b.tryAcquirePermission(1_003)).toBe(true);
    expect(b.tryAcquirePermission(1_003)).toBe(true); // both probes out, never answered
    expect(b.tryAcquirePermission(1_500)).toBe(false);
    expect(b.permittedInMs(1_500)).toBe(503); // half-open until 2,003, then open until 3,003
    expect(b.tryAcquirePermission(3_003)).toBe(true);
    expect(moves).toEqual([['OPEN', 3], ['HALF_OPEN', 1_003], ['OPEN', 2_003], ['HALF_OPEN', 3_003]]);
  });
});
