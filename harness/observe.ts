// The simulator's side of an Observation: the stores and kept topics as the run left
// them, and the load generator's account of its requests.
import type { Simulation } from '../runtime/sim/kernel.js';
import type { Observation } from '../checks/types.js';
import { ScenarioError } from './scenario.js';
import type { BuiltTopology } from './sim-topology.js';

export function simObservation(sim: Simulation, built: BuiltTopology): Observation {
  return {
    table(store, table) {
      if (!sim.stores.has(store)) throw new ScenarioError(`a check reads store "${store}", which no actor of the topology uses (its stores: ${[...sim.stores.keys()].filter((s) => !s.startsWith('$')).join(', ')})`);
      return sim.store(store).table(table) as ReadonlyMap<never, never> & Map<never, never>;
    },
    records(topic) {
      const t = sim.topics.get(topic);
      if (t === undefined) throw new ScenarioError(`a check reads topic "${topic}", which the topology does not have`);
      if (!t.retainAll) throw new ScenarioError(`a check reads topic "${topic}" whole: declare it with retainAll: true (records are otherwise deleted once every group has read them)`);
      return t.logs.flatMap((l) => [...l.all()]);
    },
    load: built.load(),
    counter: (name) => sim.metrics.counter(name),
  };
}

/** The keys a message concerns, for a key's trace: its `key`, its records' keys, its items' keys or ids. */
export function defaultKeysOf(msg: unknown): readonly string[] {
  const m = msg as { key?: unknown; records?: { key: string }[]; items?: unknown[] };
  if (Array.isArray(m.records)) return m.records.map((r) => r.key);
  if (Array.isArray(m.items)) return m.items.map(idOf).filter((k): k is string => k !== undefined);
  // A single message names its key as an item does (`key`, `id`, an `…Id` field): a callback `{ id }` is traced too.
  const id = idOf(m);
  return id === undefined ? [] : [id];
}

/** An item's identity: `key`, `id`, or its first string field named like `…Id`. */
export function idOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as Record<string, unknown>;
  if (typeof o.key === 'string') return o.key;
  if (typeof o.id === 'string') return o.id;
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string' && k.endsWith('Id')) return v;
  return undefined;
}
