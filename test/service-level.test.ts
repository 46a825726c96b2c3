// A run's service level as thresholds: shares of what was offered that completed, were
// shed, or were given up by callers, measured on any run and held to by live runs.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../harness/run.js';
import refunds from '../scenarios/refunds/index.js';
import { checkThresholds, measurableOf, serviceLevelThresholds } from '../reports/slo.js';
import { COMPLETED_SHARE_MIN, SHED_SHARE_MAX } from '../reports/capacity.js';

describe('service level', () => {
  it('a served run meets the default; one whose callers gave up does not, and says by how much', () => {
    const level = serviceLevelThresholds(COMPLETED_SHARE_MIN, SHED_SHARE_MAX);
    const served = runScenario(refunds, { seed: 3, overrides: { count: 400, ratePerSec: 100 } });
    const m = measurableOf(served);
    expect(m.figures.completedShare).toBe(Math.round((served.metrics.completed / 400) * 1e4) / 1e4);
    expect(checkThresholds(level, m).every((c) => c.ok)).toBe(true);
    // Callers who wait 1 ms give many requests up: the run is correct, but it did not serve them in time.
    const impatient = runScenario(refunds, { seed: 3, overrides: { count: 400, ratePerSec: 100, clientTimeoutMs: 1 } });
    expect(impatient.ok).toBe(true);
    const failed = checkThresholds(level, measurableOf(impatient)).filter((c) => !c.ok);
    expect(failed.map((c) => c.threshold)).toContain(`gaveUpShare<=${SHED_SHARE_MAX}`);
    expect(failed.find((c) => c.threshold.startsWith('gaveUpShare'))!.measured).toBeGreaterThan(0.1);
  });
});
