// The reference pipeline's published results (seeds/000), each checked by a run made
// for it, with the measured value and a verdict. A claim the model does not bear out is
// reported as FAIL with what was measured, never softened.
import { runScenario } from '../runtime/sim/runner.js';
import type { RunResult } from './run-result.js';
import type { Scenario } from '../scenarios/types.js';
import type { FaultPlan } from '../faults/plan.js';

export interface Claim {
  readonly claim: string;
  readonly measured: string;
  readonly verdict: 'PASS' | 'FAIL' | 'NOT MEASURED';
  readonly how: string;
}

const refundsOf = (r: RunResult) => r.metrics.refunds as Record<string, number>;
/** Disbursed or rightly rejected: dead letters are not service (a timed-out 2PC is one). */
const served = (r: RunResult) => {
  const n = refundsOf(r);
  return (n.disbursed + n.rejected) / n.requested;
};
/** The default workload dead-letters ~0.2% (closed accounts); more means load was shed. */
const SERVED_MIN = 0.99;
const s = (ms: number) => `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 })} s`;
const pct = (x: number) => `${(x * 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;
const locks = (r: RunResult) => r.metrics.lockAcquisitionsPerRefund as number;

/** Runs the claim measurements; `scale` shrinks their volumes (1 = as the seed states them). */
export function measureClaims(design: Scenario<unknown>, baseline: Scenario<unknown>, seed: number, scale = 1): Claim[] {
  const run = (sc: Scenario<unknown>, overrides: Record<string, unknown>, faults: FaultPlan = []) =>
    runScenario(sc, { seed, overrides, faults, traceViolations: false });
  const claims: Claim[] = [];

  // A peak-season day at the seed's weekly peak (6 M a week), compressed into one virtual hour.
  const perDay = Math.round((6_000_000 / 7) * scale);
  const peak = run(design, { refunds: perDay, ratePerSec: perDay / 3_600, arrival: { kind: 'peak-season', dayMs: 3_600_000 } });
  const peakOk = peak.ok && served(peak) >= SERVED_MIN;
  claims.push({
    claim: 'RMS answers in < 10 s at peak',
    measured: `p99 ${s(peak.metrics.latencyMs.rmsResponse.p99)}, max ${s(peak.metrics.latencyMs.rmsResponse.max)}`,
    verdict: peak.metrics.latencyMs.rmsResponse.p99 < 10_000 ? 'PASS' : 'FAIL',
    how: `a peak-season day of ${perDay.toLocaleString('en-US')} refunds (6 M/week) compressed into one virtual hour (24x the real rate)`,
  });
  claims.push({
    claim: '6 M refunds a week at peak (and so 2 M in a peak season)',
    measured: `one peak day: ${pct(served(peak))} served, invariants ${peak.ok ? 'held' : 'FAILED'}, end-to-end p99 ${s(peak.metrics.latencyMs.endToEnd.p99)}`,
    verdict: peakOk ? 'PASS' : 'FAIL',
    how: 'the same day; a week is seven such days, 2 M is under three',
  });

  // A 3x spike for 20 s over the default rate.
  const spike = run(design, { refunds: Math.round(2_000 * 60 * scale), ratePerSec: 2_000, arrival: { kind: 'spike', factor: 3, atMs: 20_000 * scale, durationMs: 20_000 * scale } });
  claims.push({
    claim: 'holds a 3x traffic spike without degradation',
    measured: `RMS p99 ${s(spike.metrics.latencyMs.rmsResponse.p99)}, end-to-end p99 ${s(spike.metrics.latencyMs.endToEnd.p99)}, ${pct(served(spike))} served`,
    verdict: spike.ok && spike.metrics.latencyMs.rmsResponse.p99 < 10_000 && served(spike) >= SERVED_MIN ? 'PASS' : 'FAIL',
    how: `2,000 refunds/s, tripled to 6,000/s for ${(20 * scale).toLocaleString('en-US')} virtual seconds`,
  });

  // Lock traffic: the default rate fills batches of 500; the peak day's rate may not.
  const steady = run(design, { refunds: Math.round(200_000 * scale), ratePerSec: 2_000 });
  const base = run(baseline, { refunds: Math.round(20_000 * scale), ratePerSec: 400 });
  const factor = locks(base) / locks(steady);
  claims.push({
    claim: 'lock acquisitions fall ~500x with batches of 500',
    measured: `${locks(steady).toFixed(5)} per refund at 2,000/s (${factor.toFixed(0)}x fewer than 2PC's ${locks(base).toFixed(3)}); ${locks(peak).toFixed(4)} per refund on the peak day`,
    // Only a sound run counts: a run that disbursed nothing has no lock traffic to divide.
    verdict: steady.ok && served(steady) >= SERVED_MIN && refundsOf(steady).disbursed > 0 && Number.isFinite(factor) && factor >= 400 ? 'PASS' : 'FAIL',
    how: 'batches fill to 500 only where a refund type sees >= 500 refunds per batch wait; slower traffic flushes smaller batches',
  });

  // Mismatches under faults: every kind of fault at once (the design's own chaos preset).
  const chaosPlan = design.faultPresets?.chaos;
  if (chaosPlan === undefined) {
    claims.push({ claim: '~0 refund/document mismatches (from 5%)', measured: `${design.name} has no chaos fault preset`, verdict: 'NOT MEASURED', how: '-' });
  } else {
    const chaos = run(design, {}, chaosPlan);
    const mismatch = chaos.invariants.find((i) => i.name === 'no-mismatch');
    claims.push({
      claim: '~0 refund/document mismatches (from 5%)',
      measured: `${mismatch?.violations ?? 'no no-mismatch check:'} mismatches in ${refundsOf(chaos).requested.toLocaleString('en-US')} refunds under the chaos preset (${chaos.faults.filter((f) => f.fired > 0).length} faults fired); all invariants ${chaos.ok ? 'held' : 'did NOT hold'}`,
      verdict: chaos.ok && mismatch !== undefined ? 'PASS' : 'FAIL',
      how: `faultline run ${design.name} --faults chaos`,
    });
  }

  // The rejected design at the same load.
  const twoPc = run(baseline, { refunds: Math.round(2_000 * 30 * scale), ratePerSec: 2_000 });
  const evDriven = run(design, { refunds: Math.round(2_000 * 30 * scale), ratePerSec: 2_000 });
  claims.push({
    claim: 'the event-driven design beats RMS-orchestrated 2PC',
    measured: `at 2,000/s: event-driven RMS p99 ${s(evDriven.metrics.latencyMs.rmsResponse.p99)}, ${pct(served(evDriven))} served; 2PC RMS p99 ${s(twoPc.metrics.latencyMs.rmsResponse.p99)}, ${pct(served(twoPc))} served, ${twoPc.metrics.throughputPerSec}/s completed`,
    verdict: evDriven.ok && evDriven.metrics.latencyMs.rmsResponse.p99 < twoPc.metrics.latencyMs.rmsResponse.p99 && served(evDriven) >= served(twoPc) ? 'PASS' : 'FAIL',
    how: 'the same workload and seed on refunds and refunds-2pc',
  });
  return claims;
}
