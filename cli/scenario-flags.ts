// The scenario parameters every command takes as flags, parsed strictly.
import { parseNumberFlag } from './flags.js';
import { UsageError } from './usage-error.js';
import { arrivalProfileSchema, type ArrivalProfile } from '../actors/refunds/arrivals.js';

export interface ScenarioFlags {
  refunds?: unknown;
  rate?: unknown;
  partitions?: unknown;
  batchSize?: unknown;
  variant?: string;
  arrival?: string;
}

const ARRIVAL_FORMS = 'poisson, constant, ramp:TO_PER_SEC:OVER_MS, spike:FACTOR:AT_MS:DURATION_MS or peak-season[:DAY_MS]';

/** --arrival poisson | constant | ramp:3000:60000 | spike:3:20000:10000 | peak-season[:3600000] */
export function parseArrival(text: string): ArrivalProfile {
  const [kind, ...args] = text.split(':').map((x) => x.trim());
  const nums = args.map(Number);
  const candidate =
    kind === 'ramp' ? { kind, toPerSec: nums[0], overMs: nums[1] }
    : kind === 'spike' ? { kind, factor: nums[0], atMs: nums[1], durationMs: nums[2] }
    : kind === 'peak-season' ? (args.length > 0 ? { kind, dayMs: nums[0] } : { kind })
    : { kind };
  const parsed = arrivalProfileSchema.safeParse(candidate);
  const arity: Record<string, number[]> = { poisson: [0], constant: [0], ramp: [2], spike: [3], 'peak-season': [0, 1] };
  if (!parsed.success || !(arity[kind] ?? []).includes(args.length)) throw new UsageError(`--arrival "${text}" must be one of ${ARRIVAL_FORMS} (positive numbers).`);
  return parsed.data;
}

export function scenarioOverrides(f: ScenarioFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) o[k] = v;
  };
  put('refunds', parseNumberFlag('refunds', f.refunds, { integer: true, min: 0 }));
  put('ratePerSec', parseNumberFlag('rate', f.rate, { positive: true }));
  put('partitions', parseNumberFlag('partitions', f.partitions, { integer: true, min: 1 }));
  put('batchSizeMax', parseNumberFlag('batch-size', f.batchSize, { integer: true, min: 1 }));
  put('variant', f.variant);
  if (f.arrival !== undefined) put('arrival', parseArrival(f.arrival));
  return o;
}

/** A fresh seed when none is given; always printed, so the run can be repeated. */
export function defaultSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
