// The reference pipeline's published results (seeds/000), each measured by runs made for
// it, with the measured value and a verdict. A claim the model does not bear out is
// reported as FAIL with what was measured, never softened.
import type { ClaimDecl } from '../../harness/scenario.js';
import type { RunResult } from '../../reports/run-result.js';
import refunds2pc from '../refunds-2pc/index.js';

const n = (r: RunResult, status: string) => r.outcomes[`refunds.${status}`] ?? 0;
/** Disbursed or rightly rejected: dead letters are not service (a timed-out 2PC is one). */
const served = (r: RunResult) => (n(r, 'DISBURSED') + n(r, 'REJECTED')) / Math.max(1, r.load?.planned ?? 0);
/** The default workload dead-letters ~0.2% (closed accounts); more means load was shed. */
const SERVED_MIN = 0.99;
const s = (ms: number) => `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 2 })} s`;
const pct = (x: number) => `${(x * 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;
const locks = (r: RunResult) => r.metrics.derived.lockAcquisitionsPerRefund;
const p99 = (r: RunResult, metric: string) => r.metrics.latencyMs[metric]?.p99 ?? NaN;

/** A peak-season day at the seed's weekly peak (6 M a week), compressed into one virtual hour. */
const peakDay = (scale: number) => {
  const perDay = Math.round((6_000_000 / 7) * scale);
  return { perDay, overrides: { count: perDay, ratePerSec: perDay / 3_600, arrival: { kind: 'peak-season', dayMs: 3_600_000 } } };
};

export const REFUND_CLAIMS: readonly ClaimDecl[] = [
  {
    claim: 'RMS answers in < 10 s at peak',
    measure(h) {
      const { perDay, overrides } = peakDay(h.scale);
      const peak = h.run(overrides);
      return {
        measured: `p99 ${s(p99(peak, 'rmsResponse'))}, max ${s(peak.metrics.latencyMs.rmsResponse?.max ?? NaN)}`,
        verdict: p99(peak, 'rmsResponse') < 10_000 ? 'PASS' : 'FAIL',
        how: `a peak-season day of ${perDay.toLocaleString('en-US')} refunds (6 M/week) compressed into one virtual hour (24x the real rate)`,
      };
    },
  },
  {
    claim: '6 M refunds a week at peak (and so 2 M in a peak season)',
    measure(h) {
      const peak = h.run(peakDay(h.scale).overrides);
      return {
        measured: `one peak day: ${pct(served(peak))} served, invariants ${peak.ok ? 'held' : 'FAILED'}, end-to-end p99 ${s(p99(peak, 'endToEnd'))}`,
        verdict: peak.ok && served(peak) >= SERVED_MIN ? 'PASS' : 'FAIL',
        how: 'the same day; a week is seven such days, 2 M is under three',
      };
    },
  },
  {
    claim: 'holds a 3x traffic spike without degradation',
    measure(h) {
      const spike = h.run({ count: Math.round(2_000 * 60 * h.scale), ratePerSec: 2_000, arrival: { kind: 'spike', factor: 3, atMs: 20_000 * h.scale, durationMs: 20_000 * h.scale } });
      return {
        measured: `RMS p99 ${s(p99(spike, 'rmsResponse'))}, end-to-end p99 ${s(p99(spike, 'endToEnd'))}, ${pct(served(spike))} served`,
        verdict: spike.ok && p99(spike, 'rmsResponse') < 10_000 && served(spike) >= SERVED_MIN ? 'PASS' : 'FAIL',
        how: `2,000 refunds/s, tripled to 6,000/s for ${(20 * h.scale).toLocaleString('en-US')} virtual seconds`,
      };
    },
  },
  {
    claim: 'lock acquisitions fall ~500x with batches of 500',
    measure(h) {
      // The default rate fills batches of 500; the peak day's rate may not.
      const steady = h.run({ count: Math.round(200_000 * h.scale), ratePerSec: 2_000 });
      const base = h.run({ count: Math.round(20_000 * h.scale), ratePerSec: 400 }, [], refunds2pc);
      const peak = h.run(peakDay(h.scale).overrides);
      const factor = locks(base) / locks(steady);
      return {
        measured: `${locks(steady).toFixed(5)} per refund at 2,000/s (${factor.toFixed(0)}x fewer than 2PC's ${locks(base).toFixed(3)}); ${locks(peak).toFixed(4)} per refund on the peak day`,
        // Only a sound run counts: a run that disbursed nothing has no lock traffic to divide.
        verdict: steady.ok && served(steady) >= SERVED_MIN && n(steady, 'DISBURSED') > 0 && Number.isFinite(factor) && factor >= 400 ? 'PASS' : 'FAIL',
        how: 'batches fill to 500 only where a refund type sees >= 500 refunds per batch wait; slower traffic flushes smaller batches',
      };
    },
  },
  {
    claim: '~0 refund/document mismatches (from 5%)',
    measure(h) {
      // Every kind of fault at once: the design's chaos preset.
      const chaos = h.run({}, h.preset('chaos'));
      const mismatch = chaos.invariants.find((i) => i.name === 'no-mismatch');
      return {
        measured: `${mismatch?.violations ?? 'no no-mismatch check:'} mismatches in ${(chaos.load?.planned ?? 0).toLocaleString('en-US')} refunds under the chaos preset (${chaos.faults.filter((f) => f.fired > 0).length} faults fired); all invariants ${chaos.ok ? 'held' : 'did NOT hold'}`,
        verdict: chaos.ok && mismatch !== undefined ? 'PASS' : 'FAIL',
        how: 'faultline run <design> --faults chaos',
      };
    },
  },
  {
    claim: 'the event-driven design beats RMS-orchestrated 2PC',
    measure(h) {
      const load = { count: Math.round(2_000 * 30 * h.scale), ratePerSec: 2_000 };
      const twoPc = h.run(load, [], refunds2pc);
      const ev = h.run(load);
      return {
        measured: `at 2,000/s: event-driven RMS p99 ${s(p99(ev, 'rmsResponse'))}, ${pct(served(ev))} served; 2PC RMS p99 ${s(p99(twoPc, 'rmsResponse'))}, ${pct(served(twoPc))} served, ${twoPc.metrics.throughputPerSec}/s completed`,
        verdict: ev.ok && p99(ev, 'rmsResponse') < p99(twoPc, 'rmsResponse') && served(ev) >= served(twoPc) ? 'PASS' : 'FAIL',
        how: 'the same workload and seed on refunds and refunds-2pc',
      };
    },
  },
];
