import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runScenario, executeScenario } from '../harness/run.js';
import { defineScenario, ScenarioError } from '../harness/scenario.js';
import { keyNumbering } from '../actors/keys.js';
import { retryDelayMs, mayRetry } from '../actors/retries.js';
import { outbox } from '../actors/outbox.js';
import { InputError } from '../runtime/input-error.js';
import { FaultPlanError } from '../faults/inject.js';
import { service, tiny } from './helpers/tiny.js';

describe('the load generator', () => {
  it('offers its load open loop and measures from the intended arrival: a slow service does not slow it', () => {
    const fast = runScenario(tiny(), { seed: 1, overrides: { serviceMs: 1 } });
    const slow = runScenario(tiny(), { seed: 1, overrides: { serviceMs: 30 } });
    for (const r of [fast, slow]) {
      expect(r.ok).toBe(true);
      expect(r.load).toMatchObject({ planned: 100, offered: 100, outstanding: 0, answers: { ok: 100 }, gaveUp: 0 });
    }
    // The same arrivals (same seed), whatever the service does; the slow service's wait shows in the latency.
    expect(slow.timeline.map((p) => p.offered)).toEqual(fast.timeline.map((p) => p.offered).slice(0, slow.timeline.length));
    expect(slow.metrics.latencyMs.response.p50).toBeGreaterThan(10 * fast.metrics.latencyMs.response.p50);
    expect(slow.metrics.headline).toBe('response');
  });

  it('retries a request that was not answered under the same key, and gives up after its attempts', () => {
    const r = runScenario(tiny({ service: service({ dropFirst: 3 }) }), { seed: 1, overrides: {} });
    expect(r.ok).toBe(true);
    expect(r.load!.answers.ok).toBe(100); // the three dropped were retried and answered
    expect(r.metrics.latencyMs.response.max).toBeGreaterThanOrEqual(1_000);
    const never = runScenario(tiny({ service: service({ dropFirst: 1e9 }) }), { seed: 1, overrides: { count: 5, clientAttemptsMax: 2 } });
    expect(never.load).toMatchObject({ offered: 5, outstanding: 0, gaveUp: 5 });
    // A caller who gave up waited: it counts in response time.
    expect(never.metrics.latencyMs.response.count).toBe(5);
  });

  it('numbers its keys, and reads them back without allocating', () => {
    const k = keyNumbering('order');
    expect(k.keyOf(12)).toBe('order-12');
    expect(['order-12', 'order-0', 'order-012', 'order-1x', 'orders-1', 7].map(k.numberOf)).toEqual([12, -1, -1, -1, -1, -1]);
    expect(() => keyNumbering('9lives')).toThrow(/key prefix/);
  });
});

describe('retries and back-off, as values', () => {
  it('fixed, exponential with a cap, and jitter from the actor\'s own random stream', () => {
    expect([2, 3, 4].map((a) => retryDelayMs({ maxAttempts: 4, delayMs: 100 }, a, () => 0.5))).toEqual([100, 100, 100]);
    expect([2, 3, 4, 5].map((a) => retryDelayMs({ maxAttempts: 5, delayMs: 100, backoff: 'exponential', maxDelayMs: 300 }, a, () => 0.5))).toEqual([100, 200, 300, 300]);
    expect(retryDelayMs({ maxAttempts: 3, delayMs: 100, jitter: 'full' }, 2, () => 0.25)).toBe(25);
    expect(retryDelayMs({ maxAttempts: 3, delayMs: 100, jitter: 'equal' }, 2, () => 0.5)).toBe(75);
    expect([mayRetry({ maxAttempts: 3, delayMs: 1 }, 2), mayRetry({ maxAttempts: 3, delayMs: 1 }, 3)]).toEqual([true, false]);
  });
});

describe('the transactional outbox', () => {
  const withOutbox = (pollMs: number) => {
    const box = outbox({ pollMs, batchMax: 10 });
    return defineScenario({
      name: 'boxed', description: 'a service that publishes through its outbox, and a reader',
      load: { count: 50, ratePerSec: 100 },
      topology: (p) => ({
        topics: [{ name: 'events', partitions: 2 }],
        actors: [
          { name: 'callers', behaviour: tiny().topology({ ...p, serviceMs: 1 }).actors[0].behaviour },
          {
            name: 'svc', store: 'db',
            behaviour: {
              init: () => null,
              receive(s, m: { type: string; key: string; replyTo: number }, ctx) {
                if (m.type !== 'req') return s;
                if (ctx.store.insertIfAbsent('items', m.key, { status: 'NEW' })) box.write(ctx, 'events', m.key, { key: m.key });
                ctx.send(m.replyTo, { type: 'response', key: m.key, status: 'ok' });
                return s;
              },
            },
          },
          { name: 'relay', store: 'db', behaviour: box.relay },
          {
            name: 'reader', store: 'db', consumes: { group: 'r', topics: ['events'] },
            behaviour: {
              init: () => null,
              receive(s, m, ctx) {
                if (m.type !== '$records') return s;
                for (const r of m.records) ctx.store.put('items', r.key, { status: 'SEEN' });
                ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
                return s;
              },
            },
          },
        ],
        tables: { db: { outbox: 'queue' } },
      }),
      entities: [{ name: 'item', store: 'db', table: 'items', status: 'status', initial: ['NEW'], transitions: { NEW: ['SEEN'] }, terminal: { SEEN: 'served' } }],
    });
  };

  it('publishes every row and deletes it once acknowledged; a crash between the two publishes again, never loses', () => {
    const r = runScenario(withOutbox(20), { seed: 1, faults: [{ kind: 'crash', actor: 'relay', point: 'relay.after-publish-before-mark', occurrence: 2, restartAfterMs: 50 }] });
    expect(r.faults[0].fired).toBe(1);
    expect(r.ok).toBe(true);
    expect(r.outcomes['items.SEEN']).toBe(50);
  });

  it('the drain waits for rows still in the outbox (a relay that polls seldom), instead of ending on a quiet spell', () => {
    const ex = executeScenario(withOutbox(5_000), withOutbox(5_000).defaults, { seed: 1 });
    expect(ex.drained).toBe(true);
    expect(ex.sim.store('db').table('outbox').size).toBe(0);
    expect(ex.entities[0].open).toBe(0);
  });
});

describe('the harness ends every run with a verdict', () => {
  it('a load generator that stops (it crashed) ends the load at its deadline, as a failed run', () => {
    const r = runScenario(tiny(), { seed: 1, overrides: { count: 500 }, faults: [{ kind: 'crash', actor: 'callers', atMs: 1_000, restartAfterMs: 10 }] });
    expect(r.ok).toBe(false);
    const load = r.invariants.find((i) => i.name === 'load-finished')!;
    expect(load.examples[0].message).toMatch(/had offered \d+ of 500 requests when the load ended/);
  });

  it('a stuck pipeline (work pending, nothing happening) ends early with what is pending named', () => {
    const stuck = defineScenario({
      name: 'stuck', description: 'an entity nobody ends',
      load: { count: 3, ratePerSec: 10 },
      topology: (p) => tiny().topology({ ...p, serviceMs: 1 }),
      entities: [{ name: 'job', store: 'svc', table: 'done', status: 'status', initial: ['DONE'], transitions: { DONE: ['FINISHED'] }, terminal: { FINISHED: 'served' } }],
    });
    const r = runScenario(stuck, { seed: 1 });
    const drained = r.invariants.find((i) => i.name === 'drained')!;
    expect(drained.examples[0].message).toMatch(/stuck .* pending: 3 jobs not ended/);
    expect(r.sim.virtualMs).toBeLessThan(60_000);
  });
});

describe('defineScenario', () => {
  it('adds the load\'s parameters and variant to the scenario\'s own, with defaults, and validates overrides', () => {
    const s = defineScenario({
      name: 'p', description: 'd', params: { size: z.number().int().min(1).default(3) }, load: { count: 7 },
      variants: { broken: 'it is broken' }, validate: (p) => (p.size > p.count ? 'size above count' : undefined),
      topology: () => ({ topics: [], actors: [] }),
    });
    expect(s.defaults).toMatchObject({ size: 3, count: 7, ratePerSec: 100, variant: 'correct' });
    expect(s.parse({ size: 5, variant: 'broken' })).toMatchObject({ size: 5, variant: 'broken' });
    expect(() => s.parse({ sizes: 5 })).toThrow(/unknown parameter "sizes" for scenario "p"; its parameters: count/);
    expect(() => s.parse({ size: 0 })).toThrow(/bad parameter "size"/);
    expect(() => s.parse({ variant: 'other' })).toThrow(/unknown variant "other" of scenario "p"; its variants: correct, broken/);
    expect(() => s.parse({ size: 9 })).toThrow(/size above count/);
  });

  it('gives a text parameter the text of a number or boolean --param read as JSON (acks=1, flag=true)', () => {
    const s = defineScenario({
      name: 'p', description: 'd', params: { acks: z.enum(['1', 'all']).default('all'), mode: z.string().default('x'), size: z.number().default(1) },
      topology: () => ({ topics: [], actors: [] }),
    });
    expect(s.parse({ acks: 1, mode: true, size: 2 })).toMatchObject({ acks: '1', mode: 'true', size: 2 });
    expect(() => s.parse({ acks: 2 })).toThrow(/bad parameter "acks"/);
    expect(() => s.parse({ size: 'big' })).toThrow(/bad parameter "size"/);
  });

  it('refuses a parameter the kit already has, and one without a default', () => {
    expect(() => defineScenario({ name: 'x', description: '', params: { count: z.number().default(1) }, topology: () => ({ topics: [], actors: [] }) })).toThrow(/"count", which the kit's load/);
    expect(() => defineScenario({ name: 'x', description: '', params: { size: z.number() }, topology: () => ({ topics: [], actors: [] }) })).toThrow(/need defaults/);
  });

  it('bad input of any kind is an InputError, recognised across copies of the module', () => {
    expect(new ScenarioError('x')).toBeInstanceOf(InputError);
    expect(new FaultPlanError('x')).toBeInstanceOf(InputError);
    expect(new FaultPlanError('x')).not.toBeInstanceOf(ScenarioError);
    // What another copy of the class makes: the brand, and the class name along its chain.
    const foreign = Object.assign(Object.create(class ScenarioError extends Error {}.prototype), { [Symbol.for('faultline.InputError')]: true });
    expect(foreign).toBeInstanceOf(InputError);
    expect(foreign).toBeInstanceOf(ScenarioError);
  });
});
