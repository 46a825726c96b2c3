// Open-loop arrival profiles: when the next request is due, from the current intended
// time, drawn from the client's own random stream. Time-varying rates use thinning
// (candidates at the profile's peak rate, each kept with probability rate(t) / peak),
// which is exact for a non-homogeneous Poisson process, so a 3x spike is a 3x spike
// from its first millisecond. A user's own shape is a `curve`: the mean rate times a
// factor that changes at the times given (traffic read off production graphs, say).
import { z } from 'zod';

/** [atMs, factor] steps of a curve: from atMs on, the rate is ratePerSec × factor. */
const curvePoints = z.array(z.tuple([z.number().min(0), z.number().min(0)])).min(1)
  .refine((ps) => ps[0][0] === 0, 'the first point must be at 0 ms')
  .refine((ps) => ps.every((p, i) => i === 0 || p[0] > ps[i - 1][0]), 'the points must be in increasing time')
  .refine((ps) => ps.some((p) => p[1] > 0), 'at least one factor must be above 0');

export const arrivalProfileSchema = z.discriminatedUnion('kind', [
  /** Exponential gaps at ratePerSec. */
  z.strictObject({ kind: z.literal('poisson') }),
  /** Evenly spaced at ratePerSec. */
  z.strictObject({ kind: z.literal('constant') }),
  /** From ratePerSec to toPerSec, linearly over overMs, then steady. */
  z.strictObject({ kind: z.literal('ramp'), toPerSec: z.number().positive(), overMs: z.number().positive() }),
  /** ratePerSec, times `factor` from atMs for durationMs. */
  z.strictObject({ kind: z.literal('spike'), factor: z.number().positive(), atMs: z.number().min(0), durationMs: z.number().positive() }),
  /** A day's curve (night trough, evening peak) repeated: ratePerSec is the daily mean. */
  z.strictObject({ kind: z.literal('peak-season'), dayMs: z.number().positive().default(86_400_000) }),
  /**
   * A user's own shape: ratePerSec times each point's factor from its time on; repeated
   * every `everyMs` if given. Without repetition the last factor holds for good, so it
   * must be above 0 (or the load would never end).
   */
  z.strictObject({ kind: z.literal('curve'), points: curvePoints, everyMs: z.number().positive().optional() })
    .refine((c) => c.everyMs !== undefined || c.points[c.points.length - 1][1] > 0, 'without everyMs the last factor holds for good and must be above 0')
    .refine((c) => c.everyMs === undefined || c.points[c.points.length - 1][0] < c.everyMs, 'every point must fall within everyMs'),
]);

export type ArrivalProfile = z.infer<typeof arrivalProfileSchema>;

/** Hourly multipliers of the mean rate over a day (mean 1): quiet nights, a lunch bump, an evening peak. */
const DAY_CURVE = [0.3, 0.2, 0.15, 0.15, 0.2, 0.35, 0.6, 0.9, 1.2, 1.35, 1.4, 1.45, 1.6, 1.5, 1.4, 1.35, 1.3, 1.35, 1.55, 1.8, 1.9, 1.6, 1.0, 0.55];
const DAY_MEAN = DAY_CURVE.reduce((a, b) => a + b, 0) / DAY_CURVE.length;

/** The profile's rate (per second) at virtual time tMs. */
export function rateAt(p: ArrivalProfile, baseRatePerSec: number, tMs: number): number {
  switch (p.kind) {
    case 'poisson':
    case 'constant':
      return baseRatePerSec;
    case 'ramp':
      return tMs >= p.overMs ? p.toPerSec : baseRatePerSec + ((p.toPerSec - baseRatePerSec) * tMs) / p.overMs;
    case 'spike':
      return tMs >= p.atMs && tMs < p.atMs + p.durationMs ? baseRatePerSec * p.factor : baseRatePerSec;
    case 'peak-season': {
      const hour = Math.floor(((tMs % p.dayMs) / p.dayMs) * 24);
      return (baseRatePerSec * DAY_CURVE[hour]) / DAY_MEAN;
    }
    case 'curve': {
      const t = p.everyMs === undefined ? tMs : tMs % p.everyMs;
      let factor = p.points[0][1];
      for (const [atMs, f] of p.points) {
        if (atMs > t) break;
        factor = f;
      }
      return baseRatePerSec * factor;
    }
  }
}

function peakRate(p: ArrivalProfile, base: number): number {
  switch (p.kind) {
    case 'ramp': return Math.max(base, p.toPerSec);
    case 'spike': return base * Math.max(1, p.factor);
    case 'peak-season': return (base * Math.max(...DAY_CURVE)) / DAY_MEAN;
    case 'curve': return base * Math.max(...p.points.map((x) => x[1]));
    default: return base;
  }
}

/** The next intended arrival after tMs. `random` is uniform in [0, 1). */
export function nextArrivalMs(p: ArrivalProfile, baseRatePerSec: number, tMs: number, random: () => number): number {
  if (p.kind === 'constant') return tMs + 1000 / baseRatePerSec;
  if (p.kind === 'poisson') return tMs - Math.log(1 - random()) * (1000 / baseRatePerSec);
  const peak = peakRate(p, baseRatePerSec);
  let t = tMs;
  for (;;) {
    t -= Math.log(1 - random()) * (1000 / peak);
    if (random() * peak < rateAt(p, baseRatePerSec, t)) return t;
  }
}

/** How long a profile takes to offer `count` requests on average (ms): the load phase's planned length. */
export function expectedDurationMs(p: ArrivalProfile, baseRatePerSec: number, count: number): number {
  if (count <= 0) return 0;
  if (p.kind === 'poisson' || p.kind === 'constant') return (count / baseRatePerSec) * 1000;
  // Integrate the rate in small steps until `count` requests are expected.
  const stepMs = Math.max(1, Math.min(1_000, (count / baseRatePerSec) * 10));
  let t = 0;
  let expected = 0;
  while (expected < count && t < 1e12) {
    expected += (rateAt(p, baseRatePerSec, t) * stepMs) / 1000;
    t += stepMs;
  }
  return t;
}
