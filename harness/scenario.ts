// The scenario contract (v2): a pipeline as declarations plus behaviours. One topology
// for both runtimes; parameters as a schema (the kit's load parameters are always
// there); entities whose lifecycle the harness checks and counts; metrics, outcomes,
// invariants, variants, fault presets and claims. The fault space is derived from the
// topology (faults/derive.ts): a scenario may narrow it, never has to write it.
import { z } from 'zod';
import { InputError } from '../runtime/input-error.js';
import type fc from 'fast-check';
import type { Behaviour, Key } from '../runtime/contract.js';
import type { ConsumerSpec, KafkaOptions, TopicSpec } from '../runtime/sim/kernel.js';
import type { ServiceTime } from '../runtime/sim/service-time.js';
import type { Checker, Observation } from '../checks/types.js';
import type { EntityDecl } from '../checks/entity.js';
import type { FaultPlan } from '../faults/plan.js';
import type { FaultSpace } from '../faults/generators.js';
import { LOAD_DEFAULTS, loadParamsShape, type LoadParams } from '../actors/load-generator.js';
import type { RunResult } from '../reports/run-result.js';
import type { Claim } from '../reports/claims.js';

/** A problem with a scenario's parameters or definition: reported as bad usage (exit 2). */
export class ScenarioError extends InputError {}

/**
 * Where an actor runs live: 'edge' the load generator (the coordinator process),
 * 'api' one of a kind (the coordinator: an intake with its outbox, a lock service),
 * 'worker' a copy in every worker process, sharing partitions through consumer groups.
 * 'service': a process of its own, which every other process reaches over HTTP (a request's answer is
 * the HTTP response; a message without `replyTo` is one-way). `faultline live --service-processes`
 * places every 'api' actor so.
 */
export type Placement = 'edge' | 'api' | 'worker' | 'service';

export interface ActorDecl {
  readonly name: string;
  readonly behaviour: Behaviour<any, any>;
  /** The durable store (a service's database; actors of one service share it). Default: its own, named after it. */
  readonly store?: string;
  readonly consumes?: ConsumerSpec;
  /** Simulator: parallel workers (threads) and how long one message keeps one busy. */
  readonly workers?: number;
  readonly serviceTime?: ServiceTime;
  /** Idempotent Kafka producer (drops retried duplicates). Default true; false with `acks: 1`, as in Kafka. */
  readonly idempotentProducer?: boolean;
  /**
   * Kafka producer acks: 'all' (default) is answered once the partition's followers have the
   * records; 1 as soon as its leader has, so a leader failover (the `leader-failover` fault)
   * loses records the producer was told were written. Cannot go with `idempotentProducer: true`.
   */
  readonly acks?: 1 | 'all';
  /** Live placement; default: the load generator 'edge', consumers 'worker', the rest 'api'. */
  readonly place?: Placement;
}

/** 'queue': a table written at the end and emptied from the front (an outbox), kept as a ring. */
export type TableKind = 'queue' | (() => Map<Key, unknown>);

export interface Topology {
  readonly topics: readonly TopicSpec[];
  readonly actors: readonly ActorDecl[];
  /** By store, tables kept in a structure of their own (they must be declared before any row is written). */
  readonly tables?: Readonly<Record<string, Readonly<Record<string, TableKind>>>>;
  /** Simulator: links slower than the network's default (one direction each). */
  readonly links?: readonly { readonly from: string; readonly to: string; readonly latencyMs?: number; readonly jitterMs?: number }[];
}

/** What derived figures are computed from. */
export interface Figures {
  counter(name: string): number;
  outcome(name: string): number;
}

export interface MetricsDecl {
  /** The latency a caller sees (default: the load generator's response histogram). */
  readonly headline?: string;
  /** Other latencies worth a column in capacity tables (e.g. "endToEnd"). */
  readonly latencies?: readonly string[];
  /** Thresholds `capacity` uses when --slo is not given, e.g. "response.p99<10000". Default: none. */
  readonly slo?: string;
  /** The counter of completed units (default: the first entity's that ended, else requests answered); declared, it wins over the entity. */
  readonly completed?: string;
  /** Counters to report even when they stay at 0 (a counter appears once counted otherwise): a threshold may name them. */
  readonly counters?: readonly string[];
  /**
   * Tables whose row count the runtime samples on the timeline, as gauges named
   * "rows:<store>.<table>": what a state store really holds, counted from the store, not
   * from what a behaviour says of it.
   */
  readonly tableSizes?: readonly { readonly store: string; readonly table: string }[];
  /** The unit's name, singular (default: the first entity's, else "request"). */
  readonly unit?: string;
  /** Ratios and figures from counters and outcomes, shown in every report and usable in --slo. */
  derived?(f: Figures): Record<string, number>;
}

/** A claim of the system's designers, measured: runs made for it, a verdict from what they show. */
export interface ClaimDecl {
  readonly claim: string;
  measure(h: ClaimHarness): Omit<Claim, 'claim'>;
}

export interface ClaimHarness {
  readonly seed: number;
  /** Shrinks the claim runs' volumes (1 = as the claims state them). */
  readonly scale: number;
  /** One run of this scenario (or another design), with these parameters and faults. */
  run(overrides: Readonly<Record<string, unknown>>, faults?: FaultPlan, design?: Scenario<any>): RunResult;
  /** A fault preset of the scenario measured (its own, or the derived chaos plan), for its default parameters. */
  preset(name: string): FaultPlan;
}

export interface CheckDecl<P> {
  /** Parameters for property runs (a small load, short timeouts), under the user's own. */
  readonly params?: Partial<P> & Readonly<Record<string, unknown>>;
  /** Parameters drawn per run (workload shapes that matter to the bugs hunted). */
  readonly workload?: fc.Arbitrary<Record<string, unknown>>;
  /** Kafka client timeouts for property runs (default: scaled to a run of a few seconds). */
  readonly kafka?: Partial<KafkaOptions>;
}

export interface DrainDecl {
  /** After everything is answered, committed and ended, how long nothing may happen before the run ends (default 1,000 ms). */
  readonly settleMs?: number;
  /** What has not settled this long after the load is reported as lost (default 600,000 ms). */
  readonly deadlineMs?: number;
}

export type BaseParams = LoadParams & { readonly variant: string };

export interface ScenarioDefinition<P extends BaseParams> {
  readonly name: string;
  readonly description: string;
  /** The scenario's own parameters: zod types, each with a default. */
  readonly params?: z.ZodRawShape;
  /** This scenario's defaults for the kit's load parameters (count, ratePerSec, arrival, clientTimeoutMs, …). */
  readonly load?: Partial<LoadParams>;
  /** Checks across parameters (amountMin <= amountMax): a message, or undefined when fine. */
  validate?(p: P): string | undefined;
  topology(p: P): Topology;
  readonly entities?: readonly EntityDecl[];
  readonly metrics?: MetricsDecl;
  /** Invariants besides the entities' own; checkers that share a name report as one. */
  invariants?(p: P): readonly Checker[];
  /** Counts shown in every report besides the entities' states (and usable in --slo). */
  outcomes?(o: Observation, p: P): Record<string, number>;
  /** Deliberately broken versions (the bug zoo): name → what is wrong. The behaviours read `p.variant`. */
  readonly variants?: Readonly<Record<string, string>>;
  /**
   * The name of the design run unless `--variant` says otherwise (default "correct"). A
   * scenario that models a system as it was built, documented bug and all, names it here
   * (say "as-seeded") and its fix with `fixedBy`.
   */
  readonly defaultVariant?: string;
  /** The variant that fixes the default design's documented bug: it must hold where the default fails. */
  readonly fixedBy?: string;
  /**
   * Variants that are sound designs, not bugs: alternatives to compare (a retry topic against
   * synchronous retries, with `capacity --sweep variant=…`). Held to the checks as the fix is;
   * never counted in the bug zoo.
   */
  readonly alternatives?: readonly string[];
  /** Named fault plans (`--faults NAME`), timed to the parameters. "none" and a derived "chaos" come free. */
  presets?(p: P): Readonly<Record<string, FaultPlan>>;
  /** Narrows or reweights the fault space derived from the topology. */
  faults?(space: FaultSpace, p: P): FaultSpace;
  readonly check?: CheckDecl<P>;
  readonly claims?: readonly ClaimDecl[];
  readonly drain?: DrainDecl;
  /** Kafka client options of this pipeline in the simulator. */
  readonly kafka?: Partial<KafkaOptions>;
  /**
   * False for a design that makes no claim to survive faults (a baseline kept for capacity
   * comparisons): its presets still fire, but nothing expects it to hold under them.
   */
  readonly survivesFaults?: boolean;
  /** Keys a message concerns, for a key's trace (default: its `key`, its records' keys, its items' `key`/`id`). */
  keysOf?(msg: unknown): readonly string[];
}

export interface Scenario<P extends BaseParams = BaseParams> extends ScenarioDefinition<P> {
  readonly kind: 'faultline.scenario';
  /** Every parameter with its default (what `describe` lists). */
  readonly defaults: P;
  /** Defaults plus overrides, validated; throws ScenarioError naming the bad parameter. */
  parse(overrides: Readonly<Record<string, unknown>>): P;
  /** The parameters' schema, for `describe`. */
  readonly schema: z.ZodObject<z.ZodRawShape>;
}

export const VARIANT_CORRECT = 'correct';

/** Turns a definition into a scenario: its full parameter schema (the load's, its own, `variant`). */
export function defineScenario<S extends z.ZodRawShape = Record<string, never>>(
  def: ScenarioDefinition<BaseParams & z.infer<z.ZodObject<S>>> & { readonly params?: S },
): Scenario<BaseParams & z.infer<z.ZodObject<S>>> {
  type P = BaseParams & z.infer<z.ZodObject<S>>;
  if (typeof def.name !== 'string' || !/^[a-z0-9][\w.-]*$/i.test(def.name)) throw new ScenarioError(`a scenario needs a name of letters, digits, '-', '_' or '.', got ${JSON.stringify(def.name)}`);
  const load = { ...LOAD_DEFAULTS, ...def.load };
  const byDefault = def.defaultVariant ?? VARIANT_CORRECT;
  const variants = [byDefault, ...Object.keys(def.variants ?? {}).filter((v) => v !== byDefault)];
  if (def.fixedBy !== undefined && !variants.includes(def.fixedBy)) throw new ScenarioError(`scenario "${def.name}": fixedBy names "${def.fixedBy}", which is not one of its variants (${variants.join(', ')})`);
  const unknownAlternative = (def.alternatives ?? []).find((v) => !variants.includes(v) || v === byDefault);
  if (unknownAlternative !== undefined) throw new ScenarioError(`scenario "${def.name}": alternatives names "${unknownAlternative}", which is not one of its variants other than the default (${variants.join(', ')})`);
  const loadShape = Object.fromEntries(Object.entries(loadParamsShape).map(([k, t]) => [k, (t as z.ZodType).default(load[k as keyof LoadParams] as never)]));
  const clash = Object.keys(def.params ?? {}).find((k) => k in loadShape || k === 'variant');
  if (clash !== undefined) throw new ScenarioError(`scenario "${def.name}" declares parameter "${clash}", which the kit's load (or variant) already has; set its default with \`load: { ${clash}: … }\``);
  const schema = z.strictObject({
    ...loadShape,
    ...(def.params ?? {}),
    variant: z.enum(variants as [string, ...string[]]).default(byDefault),
  });
  const parse = (given: Readonly<Record<string, unknown>>): P => {
    // --param reads `acks=1` as the number 1; a parameter that takes text ("1" of an enum) gets the text.
    const overrides: Record<string, unknown> = { ...given };
    for (const [key, value] of Object.entries(given)) {
      const field = (schema.shape as Record<string, z.ZodType | undefined>)[key];
      if (field !== undefined && (typeof value === 'number' || typeof value === 'boolean') && !field.safeParse(value).success && field.safeParse(String(value)).success) overrides[key] = String(value);
    }
    const parsed = schema.safeParse(overrides);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = issue.path.join('.') || '?';
      if (issue.code === 'unrecognized_keys') {
        throw new ScenarioError(`unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} for scenario "${def.name}"; its parameters: ${Object.keys(schema.shape).join(', ')} ("faultline describe" with the scenario lists them with their defaults)`);
      }
      if (name === 'variant') throw new ScenarioError(`unknown variant "${String(overrides.variant)}" of scenario "${def.name}"; its variants: ${variants.join(', ')}`);
      throw new ScenarioError(`bad parameter "${name}": ${issue.message}`);
    }
    const p = parsed.data as unknown as P;
    const problem = def.validate?.(p);
    if (problem !== undefined) throw new ScenarioError(problem);
    return p;
  };
  let defaults: P;
  try {
    defaults = parse({});
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(`scenario "${def.name}": its parameters need defaults (${err.message})`);
    throw err;
  }
  return { ...def, kind: 'faultline.scenario', defaults, parse, schema: schema as unknown as z.ZodObject<z.ZodRawShape> };
}

export function isScenario(x: unknown): x is Scenario {
  const s = x as Partial<Scenario> | undefined;
  return typeof s === 'object' && s !== null && s.kind === 'faultline.scenario' && typeof s.name === 'string' && typeof s.topology === 'function' && typeof s.parse === 'function';
}
