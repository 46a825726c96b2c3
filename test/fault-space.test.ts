import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkPlan } from '../harness/check.js';
import { derivedChaos } from '../harness/probe.js';
import { kindsIn, planArbitrary } from '../faults/generators.js';
import refunds from '../scenarios/refunds/index.js';
import { tiny } from './helpers/tiny.js';

describe('the fault space is derived from the topology and a probe run', () => {
  it('aims at the refund pipeline\'s services, crash points, groups, topics, producers, answers, leases and dead-lettering topic', () => {
    const space = checkPlan(refunds, {}).space.faults;
    expect(space.actors).toEqual(['rms', 'outbox-relay', 'batcher', 'ds', 'lock-service', 'cs']); // not the load generator
    expect(space.crashPoints).toEqual(expect.arrayContaining([{ actor: 'ds', point: 'ds.holding-lock' }, { actor: 'cs', point: 'after-sends' }]));
    expect([...space.groups].sort()).toEqual(['batcher', 'cs', 'rms-status']);
    expect(space.topics).toEqual([{ name: 'refund-requested', partitions: 12 }, { name: 'refund-outcomes', partitions: 12 }, { name: 'refund-dlq', partitions: 1 }]);
    expect([...space.producers].sort()).toEqual(['ds', 'outbox-relay']);
    expect(space.responses).toEqual(expect.arrayContaining([{ to: 'client', messageType: 'refund-response' }, { to: 'batcher', messageType: 'batch-done' }, { to: 'ds', messageType: 'granted' }]));
    expect(space.responses.some((r) => r.messageType === 'refund-request' || r.messageType === 'batch')).toBe(false); // requests carry replyTo
    expect(space.leaseGrants).toEqual([{ actor: 'ds', messageType: 'granted' }]);
    expect(space.poisonable).toHaveLength(1);
    expect(space.poisonable[0].topic).toBe('refund-requested');
    expect(space.poisonable[0].keys.length).toBeGreaterThan(100);
  });

  it('follows the variant: a design that produces from RMS has RMS among the producers', () => {
    expect(checkPlan(refunds, { variant: 'dual-write' }).space.faults.producers).toContain('rms');
  });

  it('throttles only actors that are sent messages: one that only consumes records is never a target', async () => {
    const { loadScenario } = await import('../harness/load-scenario.js');
    const two = await loadScenario('examples/two-services.ts');
    const space = checkPlan(two, {}).space.faults;
    expect(space.actors).toEqual(expect.arrayContaining(['api', 'shipper']));
    expect(space.receivers).toEqual(['api']);
    const throttled = new Set(fc.sample(planArbitrary({ ...space, weights: { throttle: 1, crash: 0, redeliver: 0, duplicate: 0, 'lose-response': 0, delay: 0, pause: 0, partition: 0, outage: 0, 'clock-skew': 0, rewind: 0, reorder: 0, 'leader-failover': 0, poison: 0, 'lease-expiry': 0 } }), { seed: 1, numRuns: 200 })
      .flat().filter((f) => f.kind === 'throttle').map((f) => (f as { actor: string }).actor));
    expect([...throttled]).toEqual(['api']);
  });

  it('a scenario without Kafka offers only the kinds that aim at what it has', () => {
    const kinds = kindsIn(checkPlan(tiny(), {}).space.faults);
    expect(kinds).toEqual(expect.arrayContaining(['crash', 'pause', 'lose-response']));
    for (const k of ['redeliver', 'duplicate', 'outage', 'poison', 'lease-expiry']) expect(kinds).not.toContain(k);
  });

  it('weights narrow it: a kind of weight 0 is never planned, a heavier one more often', () => {
    const space = { ...checkPlan(tiny(), {}).space.faults, weights: { crash: 0, pause: 5 } };
    const plans = fc.sample(planArbitrary(space), { seed: 1, numRuns: 300 }).flat();
    expect(plans.some((f) => f.kind === 'crash')).toBe(false);
    const pauses = plans.filter((f) => f.kind === 'pause').length;
    expect(pauses).toBeGreaterThan(plans.length / 4);
  });

  it('the derived chaos plan uses every kind the space offers', () => {
    const plan = derivedChaos(refunds, refunds.defaults);
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(['crash', 'redeliver', 'duplicate', 'lose-response', 'delay', 'pause', 'partition', 'outage', 'throttle', 'clock-skew', 'lease-expiry', 'poison', 'rewind', 'reorder', 'leader-failover']));
  });
});
