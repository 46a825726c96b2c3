// A scenario's topology as the live host runs it: each actor placed (the load generator
// at the edge, consumers in every worker process, the rest in the coordinator, unless the
// scenario says otherwise) and the load generator's service reached over real HTTP.
import type { LiveHostTopology, Placement } from '../../runtime/live/topology.js';
import { expectedDurationMs } from '../../actors/arrivals.js';
import { SeqMap } from '../../runtime/sim/seq-map.js';
import type { Key } from '../../runtime/contract.js';
import type { ActorDecl, BaseParams, Scenario, Topology } from '../scenario.js';

export interface LivePlan<P extends BaseParams> {
  readonly params: P;
  readonly topology: Topology;
  readonly host: LiveHostTopology;
  /** The load generator's actor (undefined: the scenario has none). */
  readonly loadActor: string | undefined;
  readonly plannedLoadMs: number;
  /** Every store the actors use, and the topics kept whole (what the checks read). */
  readonly stores: readonly string[];
  readonly keptTopics: readonly string[];
}

/**
 * Default placement: the load generator at the edge, its service (the intake) and the other
 * one-of-a-kind services in the coordinator, consumers in every worker. With
 * `serviceProcesses`, each of those services is a process of its own, reached over HTTP.
 */
export function placementOf(a: ActorDecl, loadActor: string | undefined, loadTarget: string | undefined, serviceProcesses = false): Placement {
  const place = a.place ?? (a.name === loadActor ? 'edge' : a.name === loadTarget || a.consumes === undefined ? 'api' : 'worker');
  return serviceProcesses && place === 'api' ? 'service' : place;
}

/** The scenario's declared tables as factories: each process's mirror (and the checks' copy) makes its own. */
export function tableFactories(topology: Topology): Record<string, Record<string, () => Map<Key, unknown>>> {
  const out: Record<string, Record<string, () => Map<Key, unknown>>> = {};
  for (const [store, tables] of Object.entries(topology.tables ?? {})) {
    out[store] = Object.fromEntries(Object.entries(tables).map(([t, kind]) => [t, kind === 'queue' ? () => new SeqMap() : kind]));
  }
  return out;
}

export function livePlan<P extends BaseParams>(scenario: Scenario<P>, params: P, serviceProcesses = false): LivePlan<P> {
  const topology = scenario.topology(params);
  const generator = topology.actors.find((a) => a.behaviour.load !== undefined);
  const target = generator?.behaviour.loadTarget;
  const host: LiveHostTopology = {
    topics: topology.topics,
    actors: topology.actors.map((a) => {
      const place = placementOf(a, generator?.name, target, serviceProcesses);
      return { name: a.name, behaviour: a.behaviour, store: a.store, consumes: a.consumes, place, http: a.name === target && place === 'api' };
    }),
    requestTimeoutMs: params.clientTimeoutMs,
    tables: tableFactories(topology),
  };
  return {
    params, topology, host, loadActor: generator?.name,
    plannedLoadMs: generator === undefined ? 0 : expectedDurationMs(params.arrival, params.ratePerSec, params.count),
    stores: [...new Set(topology.actors.map((a) => a.store ?? a.name))],
    keptTopics: topology.topics.filter((t) => t.retainAll === true).map((t) => t.name),
  };
}
