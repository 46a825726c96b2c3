// A topology, built in the simulator: topics, actors, their special tables and links.
import type { Simulation, SimActor } from '../runtime/sim/kernel.js';
import { SeqMap } from '../runtime/sim/seq-map.js';
import type { LoadView } from '../runtime/contract.js';
import { ScenarioError, type Topology } from './scenario.js';

export interface BuiltTopology {
  /** The load generator's actor, if the topology has one. */
  readonly loadActor: SimActor | undefined;
  /** Its view of the load now (undefined without one, or while it is down). */
  load(): LoadView | undefined;
}

export function buildSim(sim: Simulation, t: Topology): BuiltTopology {
  try {
    for (const topic of t.topics) sim.addTopic(topic);
    for (const a of t.actors) {
      if (a.acks !== undefined && a.acks !== 1 && a.acks !== 'all') throw new Error(`actor "${a.name}" has acks ${JSON.stringify(a.acks)}; Kafka producers take 1 or 'all'`);
      if (a.acks === 1 && a.idempotentProducer === true) throw new Error(`actor "${a.name}" asks for an idempotent producer with acks 1; Kafka's idempotence needs acks 'all' (drop one of the two)`);
      sim.addActor({
        name: a.name, behaviour: a.behaviour, store: a.store, consumes: a.consumes,
        workers: a.workers, serviceTime: a.serviceTime, idempotentProducer: a.idempotentProducer, acks: a.acks,
      });
    }
    for (const [store, tables] of Object.entries(t.tables ?? {})) {
      if (!sim.stores.has(store)) throw new Error(`tables are declared for store "${store}", which no actor uses`);
      for (const [table, kind] of Object.entries(tables)) sim.store(store).useTable(table, kind === 'queue' ? new SeqMap() : kind());
    }
    for (const l of t.links ?? []) sim.setLink(l.from, l.to, { latencyMs: l.latencyMs, jitterMs: l.jitterMs });
  } catch (err) {
    // A topology the kernel refuses (a topic defined twice, a group reading a topic that does not exist) is the scenario's mistake.
    throw new ScenarioError(`topology: ${(err as Error).message}`);
  }
  const generators = sim.actors.filter((a) => a.spec.behaviour.load !== undefined);
  if (generators.length > 1) throw new ScenarioError(`topology: one load generator per scenario, this one has ${generators.map((a) => a.name).join(', ')}`);
  const loadActor = generators[0];
  return {
    loadActor,
    load: () => (loadActor === undefined || loadActor.state === undefined ? undefined : loadActor.spec.behaviour.load!(loadActor.state)),
  };
}
