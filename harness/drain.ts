// What a simulated pipeline still has to do, read from the runtime itself: requests
// unanswered, work an actor holds (an outbox's unpublished rows), records a consumer
// group has not committed, produces not yet acknowledged, entities not yet ended, actors
// down for a restart. The drain ends once none is left and nothing has happened for a
// short settle time; what is left at the deadline is named in the verdict.
import type { Simulation } from '../runtime/sim/kernel.js';
import type { EntityWatch } from '../checks/entity.js';
import { pluralOf } from '../checks/entity.js';
import type { BuiltTopology } from './sim-topology.js';

/** Records each consumer group has not committed yet, by group (sum over the partitions of the topics it reads). */
export function lagByGroup(sim: Simulation): Map<string, number> {
  const lag = new Map<string, number>();
  for (const topic of sim.topics.values()) {
    for (const g of topic.groups) {
      let n = lag.get(g) ?? 0;
      for (const log of topic.logs) n += Math.max(0, log.end - sim.committedOffset(g, topic.name, log.partition));
      lag.set(g, n);
    }
  }
  return lag;
}

export function totalLag(sim: Simulation): number {
  let n = 0;
  for (const v of lagByGroup(sim).values()) n += v;
  return n;
}

/** What is still pending, in words; empty when the pipeline has settled. */
export function pendingWork(sim: Simulation, built: BuiltTopology, entities: readonly EntityWatch[]): string[] {
  const out: string[] = [];
  const load = built.load();
  if (load !== undefined && load.outstanding > 0) out.push(`${load.outstanding} requests unanswered`);
  for (const a of sim.actors) {
    if (a.spec.system === true) continue;
    if (!a.up) {
      out.push(`${a.name} is down`);
      continue;
    }
    const pending = a.spec.behaviour.pending;
    if (pending !== undefined && a.state !== undefined) {
      const n = pending(a.state, a.store);
      if (n > 0) out.push(`${a.name} holds ${n} unfinished`);
    }
  }
  for (const [g, n] of lagByGroup(sim)) if (n > 0) out.push(`group ${g}: ${n} records not committed`);
  if (sim.hasUnacknowledgedProduces()) out.push('produces not yet acknowledged');
  for (const e of entities) if (e.open > 0) out.push(`${e.open} ${pluralOf(e.decl)} not ended`);
  return out;
}

/**
 * What callers were told was created but is not there yet: a retry the pipeline owes may
 * bring it (late after a clock skew, say); if it never comes, the verdict names it lost.
 * It walks every row, so the drain asks only when it would otherwise call the run settled
 * (asked at every step of a million-row drain, it cost the pipeline a third of its speed).
 */
export function owedRows(sim: Simulation, built: BuiltTopology, entities: readonly EntityWatch[]): string[] {
  const load = built.load();
  const out: string[] = [];
  if (load === undefined) return out;
  for (const e of entities) {
    if (e.decl.requestKey === undefined || !sim.stores.has(e.decl.store)) continue;
    const n = e.createdWithoutRow(sim.store(e.decl.store).table(e.decl.table), load).length;
    if (n > 0) out.push(`${n} ${pluralOf(e.decl)} announced to their callers and not there yet`);
  }
  return out;
}

/** The backlog the timeline and capacity read: records not committed by any group, plus work service actors hold. */
export function backlog(sim: Simulation): number {
  let n = totalLag(sim);
  for (const a of sim.actors) {
    const pending = a.spec.behaviour.pending;
    if (pending === undefined || a.spec.behaviour.load !== undefined || !a.up || a.state === undefined) continue;
    n += pending(a.state, a.store);
  }
  return n;
}
