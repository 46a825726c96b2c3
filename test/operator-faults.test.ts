// Faults that operations cause rather than hardware: each must reach bugs no other kind
// reaches (a negative control that only it catches), and a correct pipeline must pass it.
import { describe, expect, it } from 'vitest';
import projection from './helpers/projection.js';
import { runScenario } from '../harness/run.js';
import { checkPlan, checkScenario, runCandidate } from '../harness/check.js';
import { faultPlanSchema, type FaultKind, type FaultPlan } from '../faults/plan.js';
import type { FaultSpace } from '../faults/generators.js';
import type { Scenario } from '../harness/scenario.js';
import statusCallbacks from '../examples/status-callbacks.js';
import refundsScenario from '../scenarios/refunds/index.js';
import { PartitionLog } from '../runtime/sim/kafka/partition-log.js';
import { Simulation } from '../runtime/sim/kernel.js';
import { injectFaults } from '../faults/inject.js';

const scenario = projection as unknown as Scenario<any>;
/** Runs a variant of a scenario under a plan (seed 1). */
const runnerOf = (s: Scenario<any>) => (variant: string, faults: FaultPlan) => runScenario(s, { seed: 1, overrides: { variant }, faults, traceViolations: false });
const run = runnerOf(scenario);

describe('rewind: an operator resets a group\'s committed offsets', () => {
  // Late in the 15 s load and as far back as topics keep: records about 10 s old come again.
  const rewind: FaultPlan = [{ kind: 'rewind', group: 'projection', atMs: 12_000, records: 200 }];

  it('reads committed records again: old events past a 6 s dedup are caught, and the correct projection holds', () => {
    const ttl = run('ttl-dedup', rewind);
    expect(ttl.faults[0].fired).toBe(1);
    expect(ttl.invariants.find((i) => i.name === 'item-lifecycle')?.examples[0]?.message).toMatch(/moved PAID -> CREATED/);
    expect(run('correct', rewind).ok).toBe(true);
    // A redelivery at the same moment replays only what was not yet committed: within the dedup's 6 s.
    expect(run('ttl-dedup', [{ kind: 'redeliver', group: 'projection', atMs: 12_000 }]).ok).toBe(true);
    expect(run('ttl-dedup', []).ok).toBe(true);
  });

  it('only it catches the ttl-dedup projector in a search', async () => {
    await onlyItCatches(scenario, 'ttl-dedup', 'rewind', 300, 3);
  });

  it('is in the derived fault space: a correct pipeline holds while rewinds fire', async () => {
    const correct = await checkScenario(scenario, { runs: 150, seed: 3, overrides: {} });
    expect(correct.ok).toBe(true);
    expect(correct.faultKinds.rewind.fired).toBeGreaterThan(10);
    expect(correct.faultTargets['rewind projection'].fired).toBe(correct.faultKinds.rewind.fired);
  });

  it('is validated data: a group the scenario lacks, or a count below 1, is refused', () => {
    expect(faultPlanSchema.safeParse([{ kind: 'rewind', group: 'g', atMs: 0, records: 0 }]).success).toBe(false);
    expect(faultPlanSchema.parse([{ kind: 'rewind', group: 'g', atMs: 0 }])[0]).toMatchObject({ records: 100 });
    expect(() => run('correct', [{ kind: 'rewind', group: 'nope', atMs: 0, records: 5 }])).toThrow(/consumer group "nope".*it has: projection/);
  });
});

/** The scenario with one kind left out of its fault space (what "only this kind catches it" is measured against). */
function without<S extends Scenario<any>>(s: S, kind: FaultKind): S {
  return {
    ...s,
    faults: (space: FaultSpace, p: never) => {
      const own = s.faults?.(space, p) ?? space;
      return { ...own, weights: { ...own.weights, [kind]: 0 } };
    },
  };
}

/**
 * A search catches `variant` with `kind` in the space, and one without it passes as many
 * runs: only that kind reaches the bug. Returns the correct pipeline's search, to read what fired.
 */
async function onlyItCatches(s: Scenario<any>, variant: string, kind: FaultKind, runs: number, seed: number) {
  const caught = await checkScenario(s, { runs, seed, overrides: { variant } });
  expect(caught.ok).toBe(false);
  expect(caught.counterexample!.candidate.faults.map((f) => f.kind)).toContain(kind);
  const blind = await checkScenario(without(s, kind), { runs, seed, overrides: { variant } });
  expect(blind.ok).toBe(true);
  expect(blind.runs).toBe(runs);
  expect(blind.faultKinds[kind].planned).toBe(0);
  const correct = await checkScenario(s, { runs, seed, overrides: {} });
  expect(correct.ok).toBe(true);
  return correct;
}

describe('reorder: messages between services change places', () => {
  const callbacks = statusCallbacks as unknown as Scenario<any>;
  const runCallbacks = runnerOf(callbacks);
  const reorder: FaultPlan = [{ kind: 'reorder', to: 'status', windowMs: 100, atMs: 0, durationMs: 3_000 }];

  it('swaps two callbacks sent in order: a service that trusts its link\'s order is caught, the correct one holds', () => {
    const trusting = runCallbacks('trusts-link-order', reorder);
    expect(trusting.faults[0].fired).toBeGreaterThan(0);
    expect(trusting.invariants.find((i) => i.name === 'order-status-lifecycle')?.examples[0]?.message).toMatch(/moved PAID -> CREATED/);
    expect(runCallbacks('correct', reorder).ok).toBe(true);
    // A delay of the same link keeps its order (a TCP connection's), so it cannot show the bug.
    expect(runCallbacks('trusts-link-order', [{ kind: 'delay', to: 'status', extraMs: 100, atMs: 0, durationMs: 3_000 }]).ok).toBe(true);
    expect(runCallbacks('trusts-link-order', []).ok).toBe(true);
  });

  it('only it catches the trusting service in a search; the correct one holds while it fires', async () => {
    const correct = await onlyItCatches(callbacks, 'trusts-link-order', 'reorder', 300, 2);
    expect(correct.faultKinds.reorder.fired).toBeGreaterThan(30);
  });

  it('keeps a broker connection\'s order: what one partition sends arrives in order, what a service sends may not', () => {
    // Fifty numbered messages on one link within 50 ms, each held back up to 100 ms.
    const arrivals = (sender: 'partition' | 'service' | 'self', withFault = true) => {
      const sim = new Simulation({ seed: 4 });
      sim.addTopic({ name: 't', partitions: 1 });
      const got: number[] = [];
      const dst = sim.addActor({ name: 'dst', behaviour: { init: () => null, receive: (st, m: { n?: number }) => (m.n !== undefined && got.push(m.n), st) } });
      const src = sim.addActor({ name: 'src', behaviour: { init: () => null, receive: (st) => st } });
      const from = sender === 'partition' ? sim.topic('t').partitionRefs[0] : sender === 'self' ? dst.id : src.id;
      const faults = injectFaults(sim, withFault ? [{ kind: 'reorder', to: 'dst', windowMs: 100, atMs: 0, durationMs: 1_000 }] : []);
      sim.start();
      for (let n = 0; n < 50; n++) sim.at(10 + n, () => sim.sendRaw(dst.id, { n }, from));
      sim.runUntil(2_000);
      return { got, fired: faults[0]?.fired ?? 0 };
    };
    const inOrder = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
    const partition = arrivals('partition');
    expect(partition.got).toHaveLength(50);
    expect(partition.fired).toBeGreaterThan(40); // held back, and still in order
    expect(inOrder(partition.got)).toBe(true);
    const service = arrivals('service');
    expect(service.got).toHaveLength(50);
    expect(inOrder(service.got)).toBe(false);
    expect(inOrder(arrivals('self').got)).toBe(true); // an actor's messages to itself cross no network
    expect(inOrder(arrivals('service', false).got)).toBe(true);
  });

  it('is validated data, and refuses to reorder what a broker actor receives', () => {
    expect(faultPlanSchema.safeParse([{ kind: 'reorder', to: 'status', windowMs: 0, atMs: 0, durationMs: 10 }]).success).toBe(false);
    expect(() => runCallbacks('correct', [{ kind: 'reorder', to: 'nope', windowMs: 5, atMs: 0, durationMs: 10 }])).toThrow(/actor "nope"/);
    expect(() => run('correct', [{ kind: 'reorder', to: 'kafka:events/0', windowMs: 5, atMs: 0, durationMs: 10 }])).toThrow(/Kafka connection keeps its order/);
  });
});

describe('leader-failover: acks=1 loses what the old leader had not replicated', () => {
  const refunds = refundsScenario as unknown as Scenario<any>;
  const runRefunds = runnerOf(refunds);
  const failover: FaultPlan = [{ kind: 'leader-failover', topic: 'refund-requested', partition: 0, atMs: 500, durationMs: 1_000 }];

  it('loses acknowledged records of an acks=1 producer; an acks=all producer sends them again', () => {
    const one = runRefunds('relay-acks-one', failover);
    expect(one.faults[0].fired).toBe(1);
    expect(one.invariants.find((i) => i.name === 'no-lost-refund')?.ok).toBe(false);
    const all = runRefunds('correct', failover);
    expect(all.faults[0].fired).toBe(1);
    expect(all.ok).toBe(true);
    // The same partition's leader down for as long, without a stalled follower, loses nothing.
    expect(runRefunds('relay-acks-one', [{ kind: 'outage', topic: 'refund-requested', partition: 0, atMs: 500, durationMs: 1_000 }]).ok).toBe(true);
    expect(runRefunds('relay-acks-one', []).ok).toBe(true);
  });

  it('only it catches acks=1 in a search; the correct pipeline holds while it fires', async () => {
    const correct = await onlyItCatches(refunds, 'relay-acks-one', 'leader-failover', 200, 2);
    expect(correct.faultKinds['leader-failover'].fired).toBeGreaterThan(4);
  });

  it('truncates to the high watermark: consumers never read past it, and an idempotent producer\'s retry is appended again', () => {
    const log = new PartitionLog('t', 0);
    log.append('a', 1);
    log.lastSeqByProducer.set(7, 0);
    log.stallReplication();
    log.append('b', 2);
    log.lastSeqByProducer.set(7, 1);
    expect(log.end).toBe(2);
    expect(log.visibleEnd).toBe(1);
    expect(log.read(0, 10).map((r) => r.key)).toEqual(['a']);
    // A retry of the replicated batch is answered at once; of the other, only once replicated.
    expect(log.replicatedSeq(7, 0)).toBe(true);
    expect(log.replicatedSeq(7, 1)).toBe(false);
    expect(log.replicatedSeq(8, 0)).toBe(false);
    expect(log.failOver()).toBe(1);
    expect(log.end).toBe(1);
    expect(log.lastSeqByProducer.get(7)).toBe(0);
    expect(log.failOver()).toBe(0);
  });

  it('is validated data: a topic or partition the scenario lacks is refused, and so is acks 1 with an idempotent producer', () => {
    expect(faultPlanSchema.safeParse([{ kind: 'leader-failover', topic: 't', partition: -1, atMs: 0, durationMs: 10 }]).success).toBe(false);
    expect(() => runRefunds('correct', [{ kind: 'leader-failover', topic: 'nope', partition: 0, atMs: 0, durationMs: 10 }])).toThrow(/topic "nope"/);
    expect(() => runRefunds('correct', [{ kind: 'leader-failover', topic: 'refund-requested', partition: 99, atMs: 0, durationMs: 10 }])).toThrow(/partition 99/);
    const both = { ...refunds, topology: (p: never) => ({ ...refunds.topology(p), actors: refunds.topology(p).actors.map((a) => (a.name === 'outbox-relay' ? { ...a, acks: 1 as const, idempotentProducer: true } : a)) }) };
    expect(() => runScenario(both as Scenario<any>, { seed: 1, overrides: {} })).toThrow(/idempotence needs acks 'all'/);
  });
});

describe('the drain waits for what callers were told exists', () => {
  it('overlapping clock skews add up: a retry loop that waits out both is not called stuck', () => {
    // Found by a random-seed search: two skews on one clock, 23.5 s in all, and retries stamped with it.
    const scenario = statusCallbacks as unknown as Scenario<any>;
    const faults: FaultPlan = [
      { kind: 'clock-skew', actor: 'orders', skewMs: 10_213, atMs: 0, durationMs: 425 },
      { kind: 'clock-skew', actor: 'orders', skewMs: 13_351, atMs: 0, durationMs: 425 },
    ];
    expect(runCandidate(scenario, checkPlan(scenario, {}), { seed: 0, workload: {}, faults }).ok).toBe(true);
  });

  it('a callback delayed past a clock skew by a pipeline that declares nothing pending is late, not lost', () => {
    // The orders API without `pending`: the drain knows only that a caller was told its order was created.
    const base = statusCallbacks as unknown as Scenario<any>;
    const silent = {
      ...base,
      topology: (p: never) => {
        const t = base.topology(p);
        return { ...t, actors: t.actors.map((a) => (a.name === 'orders' ? { ...a, behaviour: { ...a.behaviour, pending: undefined } } : a)) };
      },
    } as Scenario<any>;
    // Callbacks stamped on a clock 3 s fast, and a cut link that loses their first attempts: the retry loop waits out the skew.
    const plan: FaultPlan = [
      { kind: 'partition', actor: 'orders', atMs: 2, durationMs: 1_252 },
      { kind: 'clock-skew', actor: 'orders', skewMs: 3_106, atMs: 0, durationMs: 1_254 },
    ];
    // As the search ran it (its load and settings), where it was first reported lost.
    const r = runCandidate(silent, checkPlan(silent, {}), { seed: 0, workload: {}, faults: plan });
    expect(r.ok).toBe(true);
    // Negative control: a pipeline that never sends the callback is still named lost.
    const mute = {
      ...silent,
      topology: (p: never) => {
        const t = silent.topology(p);
        return { ...t, actors: t.actors.map((a) => (a.name === 'status' ? { ...a, behaviour: { ...a.behaviour, receive: (s: unknown) => s } } : a)) };
      },
    } as Scenario<any>;
    const lost = runScenario(mute, { seed: 0, overrides: {}, faults: [], traceViolations: false });
    expect(lost.invariants.find((i) => i.name === 'no-lost-order-status')?.examples[0]?.message).toMatch(/told it was created, but there is no order-status/);
  });
});
