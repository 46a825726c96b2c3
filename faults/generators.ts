// fast-check arbitraries for fault plans, swarm style: each plan first draws which
// kinds of fault it may use, then up to `maxFaults` faults of those kinds with their
// own targets, times and intensities. A plan is a plain array of plain objects, so
// fast-check shrinks it by itself (fewer faults, earlier times, smaller counts).
import fc from 'fast-check';
import { REWIND_RECORDS_MAX, type Fault, type FaultKind, type FaultPlan } from './plan.js';

/** What a scenario's faults can aim at. */
export interface FaultSpace {
  /** Service actors: crash, pause, partition, delay, throttle, clock-skew targets. */
  readonly actors: readonly string[];
  readonly crashPoints: readonly { readonly actor: string; readonly point: string }[];
  readonly groups: readonly string[];
  readonly topics: readonly { readonly name: string; readonly partitions: number }[];
  /** Actors that produce to Kafka (their acks can be lost). */
  readonly producers: readonly string[];
  /** Messages that answer a request (losing one makes the caller retry). */
  readonly responses: readonly { readonly to: string; readonly messageType: string }[];
  /** Messages that grant a lease (stalling on one lets the lease run out). */
  readonly leaseGrants: readonly { readonly actor: string; readonly messageType: string }[];
  /** Records that may be poisoned: topics whose consumers dead-letter, and keys on them. */
  readonly poisonable: readonly { readonly topic: string; readonly keys: readonly string[] }[];
  /**
   * Calls from one service to another and how long the caller waits before it retries:
   * each gives paired faults, the callee impaired and the caller crashing while it waits
   * (a window two independent faults rarely hit together).
   */
  readonly calls?: readonly { readonly from: string; readonly to: string; readonly timeoutMs: number }[];
  /**
   * Actors that other actors (or the callers) send messages to: throttle targets. A throttle
   * acts on what an actor is sent, so one that only consumes records is never one (default: every actor).
   */
  readonly receivers?: readonly string[];
  /** Actors sent anything over the network, records included (default: every actor): delay and reorder targets. */
  readonly listeners?: readonly string[];
  /** Faults start within [0, horizonMs]: while the load is in flight. */
  readonly horizonMs: number;
  /** Relative weights of kinds in a plan, whole numbers (default 1 each; 0 leaves a kind out). */
  readonly weights?: Partial<Record<FaultKind, number>>;
}

/** The actors a throttle may aim at: those sent messages, among those the space aims at (every actor when the space does not say). */
export function throttleTargets(space: FaultSpace): readonly string[] {
  return space.receivers === undefined ? space.actors : space.receivers.filter((a) => space.actors.includes(a));
}

/**
 * A throttle's target: one the plan focuses on if it can, else any of the space's
 * (planArbitrary keeps `receivers` to those); any actor only when nothing is sent messages.
 */
function throttleTarget(space: FaultSpace, anyActor: fc.Arbitrary<string>): fc.Arbitrary<string> {
  if (space.receivers === undefined) return anyActor;
  const focused = throttleTargets(space);
  const targets = focused.length > 0 ? focused : space.receivers;
  return targets.length > 0 ? fc.constantFrom(...targets) : anyActor;
}

export function kindsIn(space: FaultSpace): FaultKind[] {
  return possibleKinds(space).filter((k) => (space.weights?.[k] ?? 1) > 0);
}

function possibleKinds(space: FaultSpace): FaultKind[] {
  const kinds: FaultKind[] = [];
  if (space.actors.length > 0) kinds.push('crash', 'pause', 'partition', 'delay', 'throttle', 'clock-skew', 'reorder');
  if (space.groups.length > 0) kinds.push('redeliver', 'rewind');
  if (space.producers.length > 0) kinds.push('duplicate');
  if (space.responses.length > 0) kinds.push('lose-response');
  if (space.topics.length > 0) kinds.push('outage', 'leader-failover');
  if (space.leaseGrants.length > 0) kinds.push('lease-expiry');
  if (space.poisonable.some((p) => p.keys.length > 0)) kinds.push('poison');
  return kinds;
}

export function faultArbitrary(space: FaultSpace, kind: FaultKind): fc.Arbitrary<Fault> {
  const at = fc.integer({ min: 0, max: Math.max(1, Math.round(space.horizonMs)) });
  const duration = fc.integer({ min: 10, max: Math.max(20, Math.round(space.horizonMs)) });
  // Built only for kinds that aim at actors (kindsIn offers those only when there are some).
  const actor = space.actors.length > 0 ? fc.constantFrom(...space.actors) : fc.constant('');
  const restart = fc.integer({ min: 0, max: 1_000 });
  // Delays and reorders act on what an actor is sent: aimed at actors sent anything (in the focus if some are).
  const heard = space.listeners ?? space.actors;
  const heardInFocus = heard.filter((a) => space.actors.includes(a));
  const listener = heardInFocus.length > 0 ? fc.constantFrom(...heardInFocus) : heard.length > 0 ? fc.constantFrom(...heard) : actor;
  switch (kind) {
    case 'crash':
      return space.crashPoints.length === 0
        ? fc.record({ kind: fc.constant('crash' as const), actor, atMs: at, restartAfterMs: restart })
        : // Mostly at crash points: a crash at a random instant nearly always falls between
          // two messages, while dual-write windows sit between the effect steps of one.
          fc.oneof(
            { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), actor, atMs: at, restartAfterMs: restart }) },
            { weight: 3, arbitrary: fc.constantFrom(...space.crashPoints).chain((p) => pointCrash(p, fc.integer({ min: 1, max: 8 }), restart)) },
            // Armed at a time: on a busy actor the first passes all fall in its first few
            // milliseconds, and the window that matters may open only seconds in.
            { weight: 2, arbitrary: fc.constantFrom(...space.crashPoints).chain((p) => pointCrash(p, fc.integer({ min: 1, max: 3 }), restart, at)) },
          );
    case 'redeliver':
      return fc.record({ kind: fc.constant('redeliver' as const), group: fc.constantFrom(...space.groups), atMs: at });
    case 'rewind':
      return fc.record({ kind: fc.constant('rewind' as const), group: fc.constantFrom(...space.groups), atMs: at, records: fc.integer({ min: 1, max: REWIND_RECORDS_MAX }) });
    case 'duplicate':
      return fc.record({ kind: fc.constant('duplicate' as const), actor: fc.constantFrom(...space.producers), atMs: at, count: fc.integer({ min: 1, max: 5 }) });
    case 'lose-response':
      return fc.constantFrom(...space.responses).chain((r) =>
        fc.record({ kind: fc.constant('lose-response' as const), to: fc.constant(r.to), messageType: fc.constant(r.messageType), atMs: at, count: fc.integer({ min: 1, max: 5 }) }));
    case 'delay':
      return fc.record({ kind: fc.constant('delay' as const), to: listener, extraMs: fc.integer({ min: 1, max: 2_000 }), atMs: at, durationMs: duration });
    case 'pause':
      return fc.record({ kind: fc.constant('pause' as const), actor, atMs: at, durationMs: duration });
    case 'partition':
      return fc.record({ kind: fc.constant('partition' as const), actor, atMs: at, durationMs: duration });
    case 'outage':
      return fc.constantFrom(...space.topics).chain((t) =>
        fc.record({ kind: fc.constant('outage' as const), topic: fc.constant(t.name), partition: fc.integer({ min: 0, max: t.partitions - 1 }), atMs: at, durationMs: duration }));
    case 'reorder':
      return fc.record({ kind: fc.constant('reorder' as const), to: listener, windowMs: fc.integer({ min: 1, max: 1_000 }), atMs: at, durationMs: duration });
    case 'leader-failover':
      // Followers stalled for up to a second: in Kafka a stall ends (the follower leaves the
      // in-sync set after replica.lag.time.max.ms, 30 s) well inside a producer's delivery
      // timeout (120 s), and a search's timeouts are scaled down alike (1.5 s).
      return fc.constantFrom(...space.topics).chain((t) =>
        fc.record({ kind: fc.constant('leader-failover' as const), topic: fc.constant(t.name), partition: fc.integer({ min: 0, max: t.partitions - 1 }), atMs: at, durationMs: fc.integer({ min: 10, max: 1_000 }) }));
    case 'throttle':
      // Rates low enough to bite: a property run's actors see tens to hundreds of messages a second.
      return fc.record({ kind: fc.constant('throttle' as const), actor: throttleTarget(space, actor), maxPerSec: fc.integer({ min: 0, max: 50 }), atMs: at, durationMs: duration });
    case 'clock-skew':
      return fc.record({ kind: fc.constant('clock-skew' as const), actor, skewMs: fc.integer({ min: -30_000, max: 30_000 }), atMs: at, durationMs: duration });
    case 'poison':
      return fc.constantFrom(...space.poisonable.filter((p) => p.keys.length > 0)).chain((p) =>
        fc.record({ kind: fc.constant('poison' as const), topic: fc.constant(p.topic), key: fc.constantFrom(...p.keys) }));
    case 'lease-expiry':
      return fc.constantFrom(...space.leaseGrants).chain((g) =>
        fc.record({
          kind: fc.constant('lease-expiry' as const), actor: fc.constant(g.actor), messageType: fc.constant(g.messageType),
          occurrence: fc.integer({ min: 1, max: 8 }), pauseMs: fc.integer({ min: 10, max: 20_000 }),
        }));
  }
}

function pointCrash(p: { actor: string; point: string }, occurrence: fc.Arbitrary<number>, restart: fc.Arbitrary<number>, after?: fc.Arbitrary<number>): fc.Arbitrary<Fault> {
  const base = { kind: fc.constant('crash' as const), actor: fc.constant(p.actor), point: fc.constant(p.point), occurrence, restartAfterMs: restart };
  return after === undefined ? fc.record(base) : fc.record({ ...base, afterMs: after });
}

/**
 * Two faults in one window: a service a caller depends on is impaired (crashed, cut off,
 * stalled) for about one of the caller's retry time-outs, and the caller crashes while it
 * waits (at a time, or at its next pass through one of its crash points). A bug in what a
 * caller does when a call times out (it trusts a retry held in memory, it commits early)
 * shows only then; independent draws meet in that window once in a thousand runs.
 */
export function pairArbitrary(space: FaultSpace): fc.Arbitrary<Fault[]> {
  const calls = space.calls ?? [];
  return fc.constantFrom(...calls).chain((c) => {
    const timeoutMs = Math.max(100, Math.round(c.timeoutMs));
    const t = fc.integer({ min: 0, max: Math.max(1, Math.round(space.horizonMs)) });
    const downMs = fc.integer({ min: Math.round(timeoutMs / 2), max: 2 * timeoutMs });
    const points = space.crashPoints.filter((p) => p.actor === c.from);
    const hows = (['crash', 'partition', 'pause'] as const).filter((k) => (space.weights?.[k] ?? 1) > 0);
    return fc.record({ t, downMs, laterMs: fc.integer({ min: 0, max: 3 * timeoutMs }), how: fc.constantFrom(...hows), restart: fc.integer({ min: 0, max: 1_000 }) })
      .chain(({ t, downMs, laterMs, how, restart }) => {
        const down: Fault = how === 'crash'
          ? { kind: 'crash', actor: c.to, atMs: t, restartAfterMs: downMs }
          : { kind: how as 'partition' | 'pause', actor: c.to, atMs: t, durationMs: downMs };
        // The caller's crash lands while the callee is down or within one time-out after.
        const atMs = t + Math.min(laterMs, downMs + timeoutMs);
        const up: fc.Arbitrary<Fault> = points.length === 0
          ? fc.constant({ kind: 'crash', actor: c.from, atMs, restartAfterMs: restart })
          : fc.oneof(
            fc.constant<Fault>({ kind: 'crash', actor: c.from, atMs, restartAfterMs: restart }),
            fc.constantFrom(...points).map((p): Fault => ({ kind: 'crash', actor: c.from, point: p.point, occurrence: 1, afterMs: atMs, restartAfterMs: restart })),
          );
        return up.map((u) => [down, u]);
      });
  });
}

/**
 * The part of a space that aims at `actors` only (what targets nothing there keeps the
 * whole list, so every kind stays possible).
 */
export function focusOn(space: FaultSpace, actors: readonly string[]): FaultSpace {
  const keep = <T>(xs: readonly T[], actorOf: (x: T) => string) => {
    const focused = xs.filter((x) => actors.includes(actorOf(x)));
    return focused.length > 0 ? focused : xs;
  };
  return {
    ...space,
    actors,
    crashPoints: keep(space.crashPoints, (p) => p.actor),
    producers: keep(space.producers, (p) => p),
    responses: keep(space.responses, (r) => r.to),
    leaseGrants: keep(space.leaseGrants, (g) => g.actor),
    calls: keep(space.calls ?? [], (c) => (actors.includes(c.to) ? c.to : c.from)),
  };
}

/** How heavily paired faults weigh among a plan's kinds (they are drawn like one kind more). */
const PAIR_WEIGHT = 2;

/**
 * Swarm plans: each plan draws a random non-empty subset of fault kinds and one or two
 * actors to concentrate on, then up to `maxFaults` faults from that mix. Concentrating
 * is what lets a search reach the one crash point, of dozens, that breaks a given design.
 */
export function planArbitrary(space: FaultSpace, maxFaults = 6): fc.Arbitrary<FaultPlan> {
  const kinds = kindsIn(space);
  if (kinds.length === 0) return fc.constant([]);
  const actors = space.actors.length > 0 ? fc.subarray([...space.actors], { minLength: 1, maxLength: Math.min(2, space.actors.length) }) : fc.constant([] as string[]);
  // Paired faults are one more choice of the swarm: a plan has them or not.
  const choices: (FaultKind | 'pair')[] = (space.calls ?? []).length > 0 && kinds.includes('crash') ? [...kinds, 'pair'] : kinds;
  // Throttle targets among the actors this space aims at, before a plan focuses on some of them.
  const aimed: FaultSpace = space.receivers === undefined ? space : { ...space, receivers: throttleTargets(space) };
  return fc.tuple(fc.subarray(choices, { minLength: 1 }), actors).chain(([enabled, focus]) => {
    const focused = focus.length > 0 ? focusOn(aimed, focus) : aimed;
    const entries = enabled.map((k) => k === 'pair'
      ? { weight: PAIR_WEIGHT, arbitrary: pairArbitrary(focused) }
      : { weight: Math.max(1, Math.round(space.weights?.[k] ?? 1)), arbitrary: faultArbitrary(focused, k).map((f) => [f]) });
    return fc.array(fc.oneof(...entries), { minLength: 1, maxLength: maxFaults }).map((groups) => groups.flat());
  });
}
