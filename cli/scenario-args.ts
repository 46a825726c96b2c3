// The scenario flags every command takes, turned into parameter overrides the scenario
// then validates: --count or --duration (seconds at the rate), --rate, --arrival,
// --variant, and --param key=value for anything else.
import { parseNumberFlag } from './flags.js';
import { UsageError } from './usage-error.js';
import { parseArrival, parseParamPairs } from '../harness/params.js';
import type { Scenario } from '../harness/scenario.js';

export interface ScenarioFlags {
  readonly count?: unknown;
  readonly duration?: unknown;
  readonly rate?: unknown;
  readonly arrival?: unknown;
  readonly variant?: unknown;
  readonly param?: unknown;
}

export function scenarioOverrides(a: ScenarioFlags, scenario?: Scenario<any>): Record<string, unknown> {
  const o: Record<string, unknown> = parseParamPairs(Array.isArray(a.param) ? a.param.map(String) : a.param === undefined ? [] : [String(a.param)]);
  const put = (flag: string, key: string, v: unknown) => {
    if (v === undefined) return;
    if (key in o) throw new UsageError(`--${flag} and --param ${key} both set ${key}; give one.`);
    o[key] = v;
  };
  put('count', 'count', parseNumberFlag('count', a.count, { integer: true, min: 0 }));
  put('rate', 'ratePerSec', parseNumberFlag('rate', a.rate, { positive: true }));
  if (a.arrival !== undefined) put('arrival', 'arrival', parseArrival(String(a.arrival)));
  if (a.variant !== undefined) put('variant', 'variant', String(a.variant));
  const duration = parseNumberFlag('duration', a.duration, { positive: true });
  if (duration !== undefined) {
    if (a.count !== undefined || 'count' in o) throw new UsageError('--duration and --count both say how much load to offer; give one.');
    const rate = Number(o.ratePerSec ?? scenario?.defaults.ratePerSec);
    if (!(rate > 0)) throw new UsageError('--duration needs a rate (--rate) to turn seconds into requests.');
    o.count = Math.max(1, Math.round(rate * duration));
  }
  return o;
}

/** A fresh seed when none is given; always printed, so the run can be repeated. */
export function defaultSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** The command as given (shell-quoted), with what was drawn or defaulted added, so the line it prints repeats the run. */
export function commandLine(added: Readonly<Record<string, string | number>>): string {
  // Secrets never echo: a database URL's password, a SASL password.
  const given = process.argv.slice(2).map((arg, i, all) => {
    const flag = all[i - 1];
    if (flag === '--sasl-password') return '***';
    if (flag === '--db' || arg.startsWith('--db=')) return arg.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
    if (arg.startsWith('--sasl-password=')) return '--sasl-password=***';
    return arg;
  });
  const quote = (x: string) => (/^[\w@%+=:,./-]+$/.test(x) ? x : `'${x.replace(/'/g, "'\\''")}'`);
  const extra = Object.entries(added).filter(([flag]) => !given.includes(`--${flag}`) && !given.some((g) => g.startsWith(`--${flag}=`))).flatMap(([flag, v]) => [`--${flag}`, String(v)]);
  return ['faultline', ...given, ...extra].map(quote).join(' ');
}
