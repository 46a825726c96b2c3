// The scenario parameters every command takes as flags, parsed strictly.
import { parseNumberFlag } from './flags.js';

export interface ScenarioFlags {
  refunds?: unknown;
  rate?: unknown;
  partitions?: unknown;
  batchSize?: unknown;
  variant?: string;
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
  return o;
}

/** A fresh seed when none is given; always printed, so the run can be repeated. */
export function defaultSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
