// Applies a fault plan to a simulation and counts what actually fired: a planned
// fault that never fired tested nothing, and the run result says so.
import type { Simulation } from '../runtime/sim/kernel.js';
import { STEP_CRASH_POINTS } from '../runtime/sim/kernel.js';
import type { FaultPlan, FaultReport } from './plan.js';

export class FaultPlanError extends Error {}

export function injectFaults(sim: Simulation, plan: FaultPlan): FaultReport[] {
  const reports: FaultReport[] = plan.map((fault) => ({ fault, fired: 0 }));
  const points = new Map<string, { report: FaultReport; occurrence: number; hits: number }[]>();
  for (const r of reports) {
    const f = r.fault;
    if (!sim.hasActor(f.actor)) throw new FaultPlanError(`fault ${JSON.stringify(f)} names actor "${f.actor}", which the scenario does not have`);
    if ('atMs' in f) {
      const a = sim.actor(f.actor);
      sim.at(f.atMs, () => {
        if (!a.up) return;
        r.fired++;
        sim.crash(a, Math.round(f.restartAfterMs * 1000));
      });
      continue;
    }
    const declared = sim.actor(f.actor).spec.behaviour.crashPoints ?? [];
    if (!declared.includes(f.point) && !(STEP_CRASH_POINTS as readonly string[]).includes(f.point)) {
      throw new FaultPlanError(`fault names crash point "${f.point}" of "${f.actor}", which it does not have; it has: ${[...declared, ...STEP_CRASH_POINTS].join(', ')}`);
    }
    sim.armCrashPoint(f.actor, f.point, f.restartAfterMs);
    const key = `${f.actor}\u0000${f.point}`;
    const list = points.get(key) ?? [];
    list.push({ report: r, occurrence: f.occurrence, hits: 0 });
    points.set(key, list);
  }
  sim.crashPlan = (actor, point) => {
    const list = points.get(`${actor}\u0000${point}`);
    if (list === undefined) return false;
    let fire = false;
    for (const p of list) {
      p.hits++;
      if (p.hits === p.occurrence) {
        p.report.fired++;
        fire = true;
      }
    }
    return fire;
  };
  return reports;
}
