// What a scenario is, as data (`faultline describe`): parameters with their defaults,
// actors with their stores, consumers and crash points, topics, entities, invariants,
// variants, presets, metrics and claims. Built from the declarations alone: no run.
import { z } from 'zod';
import { STEP_CRASH_POINTS } from '../runtime/sim/kernel.js';
import { EntityWatch, pluralNoun, pluralOf } from '../checks/entity.js';
import { mergeByName } from '../checks/types.js';
import type { BaseParams, Scenario } from './scenario.js';
import { presetNames } from './presets.js';
import { placementOf } from './live/live-plan.js';

export interface ScenarioDescription {
  readonly name: string;
  readonly description: string;
  readonly params: { name: string; default: unknown; type: string; load: boolean }[];
  readonly actors: { name: string; store: string; role: string; consumes?: string; crashPoints: string[]; place: string }[];
  readonly stepCrashPoints: readonly string[];
  readonly topics: { name: string; partitions: number; retainAll: boolean; readBy: string[] }[];
  readonly entities: { name: string; table: string; transitions: string; terminal: string }[];
  readonly invariants: { name: string; description: string }[];
  readonly variants: { name: string; description: string }[];
  /** The design run without --variant, and the variant that fixes its documented bug, if it has one. */
  readonly defaultVariant: string;
  readonly fixedBy?: string;
  /** Variants that are sound alternative designs, not bugs. */
  readonly alternatives: readonly string[];
  readonly presets: string[];
  readonly metrics: { headline: string | null; latencies: string[]; slo: string | null; unit: string };
  readonly claims: string[];
  readonly survivesFaults: boolean;
}

const LOAD_PARAMS = ['count', 'ratePerSec', 'arrival', 'clientTimeoutMs', 'clientAttemptsMax', 'duplicateRate', 'duplicateDelayMsMax'];

function typeName(t: z.ZodType): string {
  const def = (t as unknown as { def?: { type?: string; innerType?: z.ZodType; entries?: Record<string, string> } }).def;
  if (def?.type === 'default' || def?.type === 'optional') return typeName(def.innerType!);
  if (def?.type === 'enum') return Object.keys(def.entries ?? {}).join(' | ');
  return def?.type ?? 'value';
}

export function describeScenario<P extends BaseParams>(scenario: Scenario<P>): ScenarioDescription {
  const p = scenario.defaults;
  const topology = scenario.topology(p);
  const entities = (scenario.entities ?? []).map((e) => new EntityWatch(e));
  const checkers = [...entities.flatMap((e) => e.checkers()), ...(scenario.invariants?.(p) ?? [])];
  const invariants = mergeByName(checkers.map((c) => ({ name: c.name, description: c.description, ok: true, violations: 0, examples: [] })));
  const loadName = topology.actors.find((a) => a.behaviour.load !== undefined)?.name;
  return {
    name: scenario.name,
    description: scenario.description,
    params: Object.entries(scenario.schema.shape).map(([name, t]) => ({
      name, default: (p as Record<string, unknown>)[name], type: typeName(t as z.ZodType), load: LOAD_PARAMS.includes(name),
    })),
    actors: topology.actors.map((a) => ({
      name: a.name,
      store: a.store ?? a.name,
      role: a.name === loadName ? 'load generator' : a.consumes !== undefined ? `consumer (group ${a.consumes.group})` : 'service',
      consumes: a.consumes?.topics.join(', '),
      crashPoints: [...(a.behaviour.crashPoints ?? [])],
      place: placementOf(a, loadName, topology.actors.find((x) => x.name === loadName)?.behaviour.loadTarget),
    })),
    stepCrashPoints: STEP_CRASH_POINTS,
    topics: topology.topics.map((t) => ({
      name: t.name, partitions: t.partitions, retainAll: t.retainAll === true,
      readBy: [...new Set(topology.actors.filter((a) => a.consumes?.topics.includes(t.name)).map((a) => a.consumes!.group))],
    })),
    entities: (scenario.entities ?? []).map((e) => ({
      name: `${e.name} (${pluralOf(e)})`,
      table: `${e.store}.${e.table} (status in "${e.status}")`,
      transitions: [`created ${e.initial.join('|')}`, ...Object.entries(e.transitions).map(([from, to]) => `${from} -> ${to.join('|')}`)].join('; '),
      terminal: Object.entries(e.terminal).map(([s, how]) => `${s} (${how})`).join(', '),
    })),
    invariants: invariants.map((i) => ({ name: i.name, description: i.description })),
    variants: Object.entries(scenario.variants ?? {}).map(([name, description]) => ({ name, description })),
    defaultVariant: scenario.defaultVariant ?? 'correct',
    fixedBy: scenario.fixedBy,
    alternatives: [...(scenario.alternatives ?? [])],
    presets: presetNames(scenario, p),
    metrics: {
      headline: scenario.metrics?.headline ?? (loadName !== undefined ? 'response (the load generator\'s)' : null),
      latencies: [...(scenario.metrics?.latencies ?? [])],
      slo: scenario.metrics?.slo ?? null,
      unit: scenario.metrics?.unit === undefined && scenario.entities?.[0] !== undefined ? pluralOf(scenario.entities[0]) : pluralNoun(scenario.metrics?.unit ?? 'request'),
    },
    claims: (scenario.claims ?? []).map((c) => c.claim),
    survivesFaults: scenario.survivesFaults !== false,
  };
}
