// Parameters from the command line: the load's common flags (--count, --duration,
// --rate, --arrival, --variant) and any scenario parameter as --param key=value, whose
// value is read as JSON when it parses as JSON (numbers, booleans, objects) and as a
// string otherwise. The scenario's schema then validates them all.
import { arrivalProfileSchema, type ArrivalProfile } from '../actors/arrivals.js';
import { ScenarioError } from './scenario.js';

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
  if (!parsed.success || !(arity[kind] ?? []).includes(args.length)) throw new ScenarioError(`--arrival "${text}" must be one of ${ARRIVAL_FORMS} (positive numbers)`);
  return parsed.data;
}

/** The --arrival text of a profile (parseArrival's inverse). */
export function formatArrival(p: ArrivalProfile): string {
  switch (p.kind) {
    case 'ramp': return `ramp:${p.toPerSec}:${p.overMs}`;
    case 'spike': return `spike:${p.factor}:${p.atMs}:${p.durationMs}`;
    case 'peak-season': return `peak-season:${p.dayMs}`;
    default: return p.kind;
  }
}

/** `key=value` pairs; a value that parses as JSON is that value, else the text itself. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ScenarioError(`--param "${pair}" must look like key=value (e.g. --param partitions=12)`);
    const key = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    if (key in out) throw new ScenarioError(`--param ${key} is given twice`);
    out[key] = parseValue(text);
  }
  return out;
}

export function parseValue(text: string): unknown {
  const plain = text.replace(/_/g, '');
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(plain)) return Number(plain);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
