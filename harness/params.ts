// Parameters from the command line: the load's common flags (--count, --duration,
// --rate, --arrival, --variant) and any scenario parameter as --param key=value, whose
// value is read as JSON when it parses as JSON (numbers, booleans, objects) and as a
// string otherwise. The scenario's schema then validates them all.
import { arrivalProfileSchema, type ArrivalProfile } from '../actors/arrivals.js';
import { ScenarioError } from './scenario.js';

const ARRIVAL_FORMS = 'poisson, constant, ramp:TO_PER_SEC:OVER_MS, spike:FACTOR:AT_MS:DURATION_MS, peak-season[:DAY_MS] or curve:AT_MS=FACTOR,AT_MS=FACTOR,…[:EVERY_MS]';

/** --arrival poisson | constant | ramp:3000:60000 | spike:3:20000:10000 | peak-season[:3600000] | curve:0=1,60000=3[:120000] */
export function parseArrival(text: string): ArrivalProfile {
  const [kind, ...args] = text.split(':').map((x) => x.trim());
  if (kind === 'curve') return parseCurve(text, args);
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

function parseCurve(text: string, args: string[]): ArrivalProfile {
  const bad = (why: string) => new ScenarioError(`--arrival "${text}": ${why}; a curve is curve:AT_MS=FACTOR,AT_MS=FACTOR,…[:EVERY_MS], e.g. curve:0=1,60000=3,120000=0.5 (the rate times 1 from 0 ms, times 3 from 60 s, …), repeated every EVERY_MS if given`);
  if (args.length < 1 || args.length > 2 || args[0] === '') throw bad('no points');
  const points = args[0].split(',').map((pair) => {
    const [at, factor, ...rest] = pair.split('=').map((x) => x.trim());
    const pt: [number, number] = [Number(at), Number(factor)];
    if (rest.length > 0 || at === '' || factor === undefined || factor === '' || !pt.every(Number.isFinite)) throw bad(`"${pair}" is not AT_MS=FACTOR`);
    return pt;
  });
  const everyMs = args.length === 2 ? Number(args[1]) : undefined;
  const parsed = arrivalProfileSchema.safeParse(everyMs === undefined ? { kind: 'curve', points } : { kind: 'curve', points, everyMs });
  if (!parsed.success) throw bad(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/** The --arrival text of a profile (parseArrival's inverse). */
export function formatArrival(p: ArrivalProfile): string {
  switch (p.kind) {
    case 'curve': return `curve:${p.points.map(([at, f]) => `${at}=${f}`).join(',')}${p.everyMs === undefined ? '' : `:${p.everyMs}`}`;
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
