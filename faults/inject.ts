// Applies a fault plan to a simulation and counts what actually fired: a planned fault
// that never fired tested nothing, and the run result says so. Network faults act in
// the kernel's send path, delivery faults at the mailbox, the rest as scheduled events.
import type { NetworkFilter, SimActor, Simulation } from '../runtime/sim/kernel.js';
import { STEP_CRASH_POINTS } from '../runtime/sim/kernel.js';
import type { Fault, FaultPlan, FaultReport } from './plan.js';
import { InputError } from '../runtime/input-error.js';
import { Prng } from '../runtime/sim/prng.js';

/** A fault plan that does not fit the scenario (or is malformed): bad input, exit 2. */
export class FaultPlanError extends InputError {}

const US = 1000;

interface Window {
  readonly fromUs: number;
  readonly untilUs: number;
}
const windowOf = (f: { atMs: number; durationMs: number }): Window => ({ fromUs: Math.round(f.atMs * US), untilUs: Math.round((f.atMs + f.durationMs) * US) });
const typeOf = (m: unknown) => (m as { type?: unknown }).type;

/** `onFire` hears of every firing (a key's trace shows the faults around it). */
export function injectFaults(sim: Simulation, plan: FaultPlan, onFire?: (fault: Fault, tMs: number) => void): FaultReport[] {
  const reports: FaultReport[] = plan.map((fault) => ({ fault, fired: 0 }));
  const fire = (r: FaultReport) => {
    r.fired++;
    onFire?.(r.fault, sim.nowMs);
  };
  // Filters that drop a message run first; a delay only counts (and acts) on what is delivered.
  const network: NetworkFilter[] = [];
  const delays: NetworkFilter[] = [];
  const delivery: ((a: SimActor, m: unknown) => boolean)[] = [];
  const reorders: NetworkFilter[] = [];
  const poisons: { topic: string; key: string; report: FaultReport }[] = [];
  const points = new Map<string, { report: FaultReport; occurrence: number; fromUs: number; hits: number }[]>();

  const actor = (name: string, f: Fault) => {
    if (!sim.hasActor(name)) throw new FaultPlanError(`fault ${JSON.stringify(f)} names actor "${name}", which the scenario does not have; it has: ${sim.actors.filter((a) => a.spec.system !== true).map((a) => a.name).join(', ')}`);
    return sim.actor(name);
  };

  const partitionOf = (f: { topic: string; partition: number }) => {
    const topic = sim.topics.get(f.topic);
    if (topic === undefined) throw new FaultPlanError(`fault names topic "${f.topic}", which the scenario does not have; it has: ${[...sim.topics.keys()].join(', ')}`);
    const ref = topic.partitionRefs[f.partition];
    if (ref === undefined) throw new FaultPlanError(`fault names partition ${f.partition} of "${f.topic}", which has ${topic.partitionRefs.length} partitions (0 to ${topic.partitionRefs.length - 1})`);
    return { topic, leader: sim.actors[ref] };
  };

  const partitionRefs = new Set([...sim.topics.values()].flatMap((t) => t.partitionRefs));

  for (const [index, r] of reports.entries()) {
    const f = r.fault;
    switch (f.kind) {
      case 'crash': {
        const a = actor(f.actor, f);
        if ('atMs' in f) {
          sim.at(f.atMs, () => {
            if (!a.up) return;
            fire(r);
            sim.crash(a, Math.round(f.restartAfterMs * US));
          });
          break;
        }
        const declared = a.spec.behaviour.crashPoints ?? [];
        if (!declared.includes(f.point) && !(STEP_CRASH_POINTS as readonly string[]).includes(f.point)) {
          throw new FaultPlanError(`fault names crash point "${f.point}" of "${f.actor}", which it does not have; it has: ${[...declared, ...STEP_CRASH_POINTS].join(', ')}`);
        }
        sim.armCrashPoint(f.actor, f.point, f.restartAfterMs);
        const key = `${f.actor}\u0000${f.point}`;
        const list = points.get(key) ?? [];
        list.push({ report: r, occurrence: f.occurrence, fromUs: Math.round((f.afterMs ?? 0) * US), hits: 0 });
        points.set(key, list);
        break;
      }
      case 'redeliver': {
        const coord = sim.groupCoordinators.get(f.group);
        if (coord === undefined) throw new FaultPlanError(`fault names consumer group "${f.group}", which the scenario does not have; it has: ${[...sim.groupCoordinators.keys()].join(', ')}`);
        sim.at(f.atMs, () => {
          fire(r);
          sim.sendRaw(coord, { type: 'rebalance' });
        });
        break;
      }
      case 'rewind': {
        const coord = sim.groupCoordinators.get(f.group);
        if (coord === undefined) throw new FaultPlanError(`fault names consumer group "${f.group}", which the scenario does not have; it has: ${[...sim.groupCoordinators.keys()].join(', ')}`);
        const read = [...sim.topics.values()].filter((t) => t.groups.has(f.group));
        sim.keepCommittedRecords();
        sim.at(f.atMs, () => {
          // It fires if it moves some committed offset back: a group that has committed nothing has nothing to reprocess.
          if (read.some((t) => t.logs.some((_, p) => sim.committedOffset(f.group, t.name, p) > 0))) fire(r);
          sim.sendRaw(coord, { type: 'reset-offsets', by: f.records });
        });
        break;
      }
      case 'duplicate': {
        const to = actor(f.actor, f).id;
        const fromUs = Math.round(f.atMs * US);
        network.push((_from, dest, m) => {
          if (dest !== to || r.fired >= f.count || typeOf(m) !== 'produced' || sim.nowUsExact < fromUs) return 0;
          fire(r);
          return -1;
        });
        break;
      }
      case 'lose-response': {
        const to = actor(f.to, f).id;
        const fromUs = Math.round(f.atMs * US);
        network.push((_from, dest, m) => {
          if (dest !== to || r.fired >= f.count || typeOf(m) !== f.messageType || sim.nowUsExact < fromUs) return 0;
          fire(r);
          return -1;
        });
        break;
      }
      case 'delay': {
        const to = actor(f.to, f).id;
        const from = f.from === undefined ? -1 : actor(f.from, f).id;
        const w = windowOf(f);
        const extraUs = Math.round(f.extraMs * US);
        delays.push((src, dest) => {
          const now = sim.nowUsExact;
          if (dest !== to || (from >= 0 && src !== from) || now < w.fromUs || now >= w.untilUs) return 0;
          fire(r);
          return extraUs;
        });
        break;
      }
      case 'reorder': {
        const target = actor(f.to, f);
        if (target.spec.system === true) throw new FaultPlanError(`fault ${JSON.stringify(f)} reorders messages to "${f.to}", a part of the broker: a Kafka connection keeps its order; reorder what a service receives`);
        const to = target.id;
        const from = f.from === undefined ? -1 : actor(f.from, f).id;
        const w = windowOf(f);
        const windowUs = Math.round(f.windowMs * US);
        // Its own stream: the draws depend on the plan, never on what other faults drew.
        const rng = new Prng(sim.seed, `reorder#${index}`);
        const held = (src: number, dest: number) => {
          const now = sim.nowUsExact;
          // A message an actor sends itself never crosses a network.
          if (dest !== to || src === dest || (from >= 0 && src !== from) || now < w.fromUs || now >= w.untilUs) return 0;
          const us = Math.round(rng.random() * windowUs);
          if (us > 0) fire(r);
          return us;
        };
        // Between services a message leaves its link's order; from a partition it keeps it
        // (one connection), so only different partitions' records change places. The group
        // coordinator's messages are left alone: a consumer hears of its assignments in the
        // order the group made them (an eager rebalance revokes before it assigns).
        reorders.push((src, dest) => (sim.actors[src].spec.system === true ? 0 : held(src, dest)));
        delays.push((src, dest) => (src >= 0 && partitionRefs.has(src) ? held(src, dest) : 0));
        break;
      }
      case 'partition': {
        const id = actor(f.actor, f).id;
        const w = windowOf(f);
        network.push((src, dest) => {
          const now = sim.nowUsExact;
          if ((src !== id && dest !== id) || now < w.fromUs || now >= w.untilUs) return 0;
          fire(r);
          return -1;
        });
        break;
      }
      case 'pause': {
        const a = actor(f.actor, f);
        sim.at(f.atMs, () => {
          if (!a.up) return;
          fire(r);
          sim.pause(a, Math.round((f.atMs + f.durationMs) * US));
        });
        break;
      }
      case 'outage': {
        const { leader } = partitionOf(f);
        sim.at(f.atMs, () => {
          if (!leader.up) return;
          fire(r);
          sim.crash(leader, Math.round(f.durationMs * US));
        });
        break;
      }
      case 'leader-failover': {
        const { topic, leader } = partitionOf(f);
        const log = topic.logs[f.partition];
        sim.at(f.atMs, () => log.stallReplication());
        sim.at(f.atMs + f.durationMs, () => {
          // It fires when the new leader lacks something: a quiet partition fails over losing nothing.
          if (log.failOver() > 0) fire(r);
          // Without a leader for the election: requests in flight are lost and retried, as in an outage.
          if (leader.up) sim.crash(leader, Math.round(sim.kafka.leaderElectionMs * US));
        });
        break;
      }
      case 'throttle': {
        const a = actor(f.actor, f);
        const w = windowOf(f);
        let second = -1;
        let seen = 0;
        delivery.push((target, m) => {
          const now = sim.nowUsExact;
          if (target !== a || now < w.fromUs || now >= w.untilUs) return true;
          const s = Math.floor(now / 1_000_000);
          if (s !== second) {
            second = s;
            seen = 0;
          }
          if (++seen <= f.maxPerSec) return true;
          fire(r);
          // A 429 answer goes back to whoever asked, if the message says who.
          const replyTo = (m as { replyTo?: unknown }).replyTo;
          if (typeof replyTo === 'number') sim.sendRaw(replyTo, { type: '$rejected', status: 429, original: m }, a.id);
          return false;
        });
        break;
      }
      case 'clock-skew': {
        const a = actor(f.actor, f);
        // Skews add up while they overlap, and each ends only its own.
        const skewUs = Math.round(f.skewMs * US);
        sim.at(f.atMs, () => {
          fire(r);
          a.skewUs += skewUs;
        });
        sim.at(f.atMs + f.durationMs, () => {
          a.skewUs -= skewUs;
        });
        break;
      }
      case 'poison': {
        if (!sim.topics.has(f.topic)) throw new FaultPlanError(`fault names topic "${f.topic}", which the scenario does not have; it has: ${[...sim.topics.keys()].join(', ')}`);
        poisons.push({ topic: f.topic, key: f.key, report: r });
        break;
      }
      case 'lease-expiry': {
        const a = actor(f.actor, f);
        let hits = 0;
        delivery.push((target, m) => {
          if (target !== a || typeOf(m) !== f.messageType || ++hits !== f.occurrence) return true;
          fire(r);
          sim.pause(a, sim.nowUsExact + Math.round(f.pauseMs * US));
          return true;
        });
        break;
      }
    }
  }

  if (points.size > 0) {
    sim.crashPlan = (actorName, point) => {
      const list = points.get(`${actorName}\u0000${point}`);
      if (list === undefined) return false;
      let crash = false;
      for (const p of list) {
        if (sim.nowUsExact < p.fromUs) continue;
        p.hits++;
        if (p.hits === p.occurrence) {
          fire(p.report);
          crash = true;
        }
      }
      return crash;
    };
  }
  if (network.length + delays.length > 0) {
    sim.networkFilter = (from, to, m) => {
      for (const n of network) if (n(from, to, m) < 0) return -1;
      let extra = 0;
      for (const d of delays) extra += d(from, to, m);
      return extra;
    };
  }
  if (reorders.length > 0) {
    sim.reorderFilter = (from, to, m) => {
      let extra = 0;
      for (const n of reorders) extra += n(from, to, m);
      return extra;
    };
  }
  if (poisons.length > 0) {
    sim.poisonCheck = (_a, m) => {
      for (const p of poisons) {
        if (p.topic !== m.topic) continue;
        const rec = m.records.find((x) => x.key === p.key);
        if (rec === undefined) continue;
        fire(p.report);
        return `cannot process ${p.topic}/${m.partition}@${rec.offset} (key ${p.key})`;
      }
      return null;
    };
  }
  if (delivery.length > 0) {
    sim.deliveryFilter = (a, m) => {
      for (const d of delivery) if (!d(a, m)) return false;
      return true;
    };
  }
  return reports;
}
