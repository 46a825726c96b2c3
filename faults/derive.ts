// The fault space of a pipeline, derived from what it is: its actors and the crash points
// their behaviours declare (plus the kernel's step boundaries), its consumer groups, its
// topics and partitions, and what a fault-free probe run saw it do (which actors produce,
// which answers travel between which actors, which actors are granted leases, which keys
// go through a topic whose consumers dead-letter). Nothing hand-written: a scenario may
// narrow or reweight the result. The same facts give a generic `chaos` preset.
import { STEP_CRASH_POINTS } from '../runtime/sim/kernel.js';
import { Prng } from '../runtime/sim/prng.js';
import { throttleTargets, type FaultSpace } from './generators.js';
import type { Fault, FaultPlan } from './plan.js';

export interface TopologyFacts {
  /** Service actors faults may aim at (the load generator and the broker's actors excluded), with their crash points. */
  readonly actors: readonly { readonly name: string; readonly crashPoints: readonly string[] }[];
  readonly groups: readonly string[];
  readonly topics: readonly { readonly name: string; readonly partitions: number }[];
  /** Actors seen producing. */
  readonly producers: readonly string[];
  /** Messages seen travelling between actors that ask nothing back (no `replyTo`): answers, notifications. */
  readonly answers: readonly { readonly to: string; readonly messageType: string }[];
  /** Lease grants seen: who received them, and their type. */
  readonly leaseGrants: readonly { readonly actor: string; readonly messageType: string }[];
  /** Topics whose consumers dead-letter, with keys seen on them. */
  readonly poisonable: readonly { readonly topic: string; readonly keys: readonly string[] }[];
  /** The actor the load generator sends to, if any. */
  readonly intake?: string;
  /** Requests seen from one service to another (with a `replyTo`), and the caller's longest timer. */
  readonly calls?: readonly { readonly from: string; readonly to: string; readonly timeoutMs: number }[];
  /** Actors the probe saw sent messages by other actors or the callers (not only records). */
  readonly receivers?: readonly string[];
  /** Actors sent anything over the network: receivers and consumers (a delay or reorder can reach them). */
  readonly listeners?: readonly string[];
}

/** The derived space: faults start within [0, horizonMs], while the load is in flight. */
export function deriveFaultSpace(f: TopologyFacts, horizonMs: number): FaultSpace {
  const names = f.actors.map((a) => a.name);
  return {
    actors: names,
    crashPoints: f.actors.flatMap((a) => [...a.crashPoints, ...STEP_CRASH_POINTS].map((point) => ({ actor: a.name, point }))),
    groups: [...f.groups],
    topics: [...f.topics],
    producers: f.producers.filter((p) => names.includes(p)),
    responses: [...f.answers],
    leaseGrants: f.leaseGrants.filter((g) => names.includes(g.actor)),
    poisonable: f.poisonable.filter((p) => p.keys.length > 0),
    calls: (f.calls ?? []).filter((c) => names.includes(c.from) && names.includes(c.to)),
    ...(f.receivers !== undefined ? { receivers: f.receivers.filter((r) => names.includes(r)) } : {}),
    ...(f.listeners !== undefined ? { listeners: names.filter((n) => f.listeners!.includes(n)) } : {}),
    horizonMs: Math.max(100, Math.round(horizonMs)),
  };
}

/**
 * A generic chaos plan: every kind the space offers, about once, overlapping, spread over
 * the load (`loadMs`) and healed soon after it. Deterministic for a scenario and its
 * parameters (its own random stream), so the preset means the same run every time.
 */
/** The crash points behaviours declare (the step boundaries every actor has left out). */
export function declaredCrashPoints(space: FaultSpace): FaultSpace['crashPoints'] {
  return space.crashPoints.filter((p) => !(STEP_CRASH_POINTS as readonly string[]).includes(p.point));
}

export function chaosPlan(space: FaultSpace, loadMs: number, opts: { readonly intake?: string; readonly ratePerSec?: number } = {}): FaultPlan {
  const rng = new Prng(7, 'chaos');
  const span = Math.max(1_000, loadMs);
  const at = (from: number, to: number) => Math.round(span * (from + rng.random() * (to - from)));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.random() * xs.length)];
  const window = () => Math.round(Math.max(200, span * (0.05 + rng.random() * 0.1)));
  const plan: Fault[] = [];
  if (space.actors.length === 0) return plan;
  // Crashes at declared crash points first (where dual-write windows are), then one at a time.
  const declared = declaredCrashPoints(space);
  const byActor = new Map<string, string>();
  for (const p of declared) if (!byActor.has(p.actor)) byActor.set(p.actor, p.point);
  // The first pass through each: a point some actor passes rarely (a dead letter's acknowledgement) must still fire.
  for (const [actor, point] of [...byActor].slice(0, 4)) {
    plan.push({ kind: 'crash', actor, point, occurrence: 1, restartAfterMs: 200 + Math.round(rng.random() * 300) });
  }
  plan.push({ kind: 'crash', actor: pick(space.actors), atMs: at(0.1, 0.5), restartAfterMs: 500 });
  for (const group of space.groups.slice(0, 2)) plan.push({ kind: 'redeliver', group, atMs: at(0.2, 0.6) });
  for (const actor of space.producers.slice(0, 2)) plan.push({ kind: 'duplicate', actor, atMs: at(0.05, 0.5), count: 3 });
  for (const r of space.responses.slice(0, 3)) plan.push({ kind: 'lose-response', to: r.to, messageType: r.messageType, atMs: at(0.05, 0.5), count: 5 });
  // Delays and reorders act on messages an actor is sent: aimed at one that is sent some (an actor driven by its own timers is not).
  const listening = (space.listeners ?? space.actors).filter((a) => space.actors.includes(a));
  const sentTo = listening.length > 0 ? listening : space.actors;
  plan.push({ kind: 'delay', to: pick(sentTo), extraMs: 200, atMs: at(0.1, 0.4), durationMs: window() });
  plan.push({ kind: 'pause', actor: pick(space.actors), atMs: at(0.2, 0.5), durationMs: Math.min(2_000, window()) });
  plan.push({ kind: 'partition', actor: pick(space.actors), atMs: at(0.4, 0.7), durationMs: Math.min(2_000, window()) });
  if (space.topics.length > 0) {
    const t = pick(space.topics);
    plan.push({ kind: 'outage', topic: t.name, partition: Math.floor(rng.random() * t.partitions), atMs: at(0.3, 0.6), durationMs: Math.min(2_000, window()) });
  }
  // Well below the offered rate for a second or more, so it bites whatever the window's luck.
  const receivers = throttleTargets(space);
  const throttled = opts.intake !== undefined && space.actors.includes(opts.intake) ? opts.intake : pick(receivers.length > 0 ? receivers : space.actors);
  plan.push({ kind: 'throttle', actor: throttled, maxPerSec: Math.max(1, Math.round((opts.ratePerSec ?? 100) * 0.3)), atMs: at(0.4, 0.6), durationMs: Math.max(1_000, window()) });
  plan.push({ kind: 'clock-skew', actor: pick(space.actors), skewMs: 5_000, atMs: at(0.1, 0.4), durationMs: window() });
  if (space.leaseGrants.length > 0) {
    const g = space.leaseGrants[0];
    // Long enough to outlast a short lease, short enough not to stall the whole run.
    plan.push({ kind: 'lease-expiry', actor: g.actor, messageType: g.messageType, occurrence: 3, pauseMs: Math.round(Math.min(3_000, Math.max(200, span * 0.1))) });
  }
  const poisonable = space.poisonable.filter((p) => p.keys.length > 0);
  if (poisonable.length > 0) {
    const p = poisonable[0];
    plan.push({ kind: 'poison', topic: p.topic, key: p.keys[Math.floor(p.keys.length / 2)] });
  }
  // Last, so the draws above (and the plans they make) stay as they were before these kinds existed.
  if (space.groups.length > 0) plan.push({ kind: 'rewind', group: space.groups[0], atMs: at(0.5, 0.8), records: 50 });
  plan.push({ kind: 'reorder', to: pick(sentTo), windowMs: 100, atMs: at(0.1, 0.5), durationMs: window() });
  if (space.topics.length > 0) {
    const t = pick(space.topics);
    plan.push({ kind: 'leader-failover', topic: t.name, partition: Math.floor(rng.random() * t.partitions), atMs: at(0.2, 0.6), durationMs: Math.min(2_000, window()) });
  }
  // Kinds the scenario weighs at 0 are left out (after drawing, so the others stay as they were).
  return plan.filter((f) => (space.weights?.[f.kind] ?? 1) > 0);
}
