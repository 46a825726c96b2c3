// A fault-free probe run that looks at what a pipeline does, for the fault space and the
// generic chaos preset (faults/derive.ts): who produces, which answers travel between
// which actors, who is granted leases, which keys pass through topics whose consumers
// dead-letter. Deterministic (its own seed), so a search and its replay derive the same space.
import type { FaultPlan } from '../faults/plan.js';
import { chaosPlan, deriveFaultSpace, type TopologyFacts } from '../faults/derive.js';
import type { FaultSpace } from '../faults/generators.js';
import type { BaseParams, Scenario } from './scenario.js';
import { executeScenario } from './run.js';

const PROBE_SEED = 1;
const POISON_KEYS_MAX = 200;

export function probeFacts<P extends BaseParams>(scenario: Scenario<P>, params: P, kafka?: Parameters<typeof executeScenario>[2]['sim']): { facts: TopologyFacts; loadMs: number } {
  const topology = scenario.topology(params);
  const loadName = topology.actors.find((a) => a.behaviour.load !== undefined)?.name;
  const deadLettering = new Set(topology.actors.filter((a) => a.consumes?.deadLetterTopic !== undefined).flatMap((a) => a.consumes!.topics));
  const producers = new Set<string>();
  const answers = new Map<string, { to: string; messageType: string }>();
  const grants = new Map<string, { actor: string; messageType: string }>();
  const keys = new Map<string, Set<string>>([...deadLettering].map((t) => [t, new Set<string>()]));
  const intakes = new Map<string, number>();
  const calls = new Map<string, { from: string; to: string }>();
  const receivers = new Set<string>();
  const ex = executeScenario(scenario, params, { seed: PROBE_SEED, traceViolations: false, summaries: false, sim: kafka }, undefined, (sim) => {
    const topicOf = new Map<number, string>();
    for (const t of sim.topics.values()) for (const ref of t.partitionRefs) topicOf.set(ref, t.name);
    sim.networkFilter = (from, to, msg) => {
      if (from < 0) return 0;
      const src = sim.actors[from];
      const dst = sim.actors[to];
      if (src.spec.system === true) return 0;
      const m = msg as { type?: unknown; replyTo?: unknown; keys?: string[] };
      const type = typeof m.type === 'string' ? m.type : '';
      const topic = topicOf.get(to);
      if (topic !== undefined) {
        if (type !== 'produce') return 0;
        producers.add(src.name);
        const seen = keys.get(topic);
        if (seen !== undefined) for (const k of m.keys ?? []) if (seen.size < POISON_KEYS_MAX) seen.add(k);
        return 0;
      }
      if (dst.spec.system === true || type === '' || type.startsWith('$')) return 0;
      // A partition's fetch answers are not what a throttle limits: only messages from the pipeline's own actors.
      if (src !== dst && !topicOf.has(from)) receivers.add(dst.name);
      if (src.name === loadName) intakes.set(dst.name, (intakes.get(dst.name) ?? 0) + 1);
      if (src.spec.behaviour.leaseGrantType === type) grants.set(`${dst.name}\u0000${type}`, { actor: dst.name, messageType: type });
      if (m.replyTo === undefined) answers.set(`${dst.name}\u0000${type}`, { to: dst.name, messageType: type });
      else if (src.name !== loadName) calls.set(`${src.name}\u0000${dst.name}`, { from: src.name, to: dst.name });
      return 0;
    };
  });
  const facts: TopologyFacts = {
    actors: topology.actors.filter((a) => a.name !== loadName).map((a) => ({ name: a.name, crashPoints: [...(a.behaviour.crashPoints ?? [])] })),
    groups: [...ex.sim.groupCoordinators.keys()],
    topics: topology.topics.map((t) => ({ name: t.name, partitions: t.partitions })),
    producers: [...producers],
    answers: [...answers.values()],
    leaseGrants: [...grants.values()],
    poisonable: [...keys].map(([topic, k]) => ({ topic, keys: [...k] })),
    intake: [...intakes].sort((a, b) => b[1] - a[1])[0]?.[0],
    // A caller's longest timer stands for how long it waits before it retries a call.
    calls: [...calls.values()].map((c) => ({ ...c, timeoutMs: ex.sim.actor(c.from).longestTimerMs })),
    receivers: [...receivers].sort(),
    listeners: topology.actors.filter((a) => receivers.has(a.name) || a.consumes !== undefined).map((a) => a.name),
  };
  return { facts, loadMs: ex.built.load()?.plannedMs ?? 0 };
}

/** The fault space a property search of these parameters explores: derived, then narrowed by the scenario. */
export function faultSpaceOf<P extends BaseParams>(scenario: Scenario<P>, params: P, kafka?: Parameters<typeof executeScenario>[2]['sim']): FaultSpace {
  const { facts, loadMs } = probeFacts(scenario, params, kafka);
  const space = deriveFaultSpace(facts, loadMs + 1_000);
  return scenario.faults?.(space, params) ?? space;
}

/** The generic chaos preset for a run with these parameters (probed on a small load of the same shape). */
export function derivedChaos<P extends BaseParams>(scenario: Scenario<P>, params: P): FaultPlan {
  const small = scenario.parse({ ...(params as Record<string, unknown>), count: Math.min(params.count, 200) });
  const { facts } = probeFacts(scenario, small);
  const full = params.count > 0 ? (params.count / params.ratePerSec) * 1000 : 0;
  // Narrowed and reweighted by the scenario, as its search is (a kind it leaves out is left out here too).
  const derived = deriveFaultSpace(facts, full);
  return chaosPlan(scenario.faults?.(derived, params) ?? derived, full, { intake: facts.intake, ratePerSec: params.ratePerSec });
}
