import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProcessFaults } from '../runtime/live/live-faults.js';

describe('live fault windows', () => {
  afterEach(() => vi.useRealTimers());

  it('count from the start of the load, not from when the process came up (worker start-up takes seconds)', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fired: number[] = [];
    const f = new ProcessFaults([{ kind: 'lose-produce-acks', actor: 'a', probability: 1, atMs: 0, durationMs: 4_000 }], 1, 0, (i) => fired.push(i));
    // Five seconds of start-up: the window has not opened, since the load has not started.
    vi.setSystemTime(1_005_000);
    expect(f.loseProduceAck('a')).toBe(false);
    f.start(Date.now());
    vi.setSystemTime(1_008_000);
    expect(f.loseProduceAck('a')).toBe(true);
    expect(f.loseProduceAck('b')).toBe(false);
    vi.setSystemTime(1_009_001);
    expect(f.loseProduceAck('a')).toBe(false);
    expect(fired).toEqual([0]);
  });
});
