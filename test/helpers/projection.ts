// A status projection, for fault kinds that replay what was already done: an API records
// each item's events in an outbox (CREATED at once, PAID `paidAfterMs` later, from a
// durable to-do list), a relay publishes them to `events` keyed by item, and a projector
// (one record per poll, offsets committed after each) writes each item's status.
// Correct: an event applies only if it is newer than what is stored (its version). The
// variant `ttl-dedup` applies whatever an event says behind dedup keys that expire after
// 6 s: a redelivery replays records since the last accepted commit (seconds old at most),
// which it remembers; an operator's offset reset (rewind) replays older ones, and an old
// event moves a status backwards. A dedup window shorter than that (the last 50 events,
// say) is broken by redeliveries too: a consumer fenced by a rebalance it missed keeps
// processing, and everything since its last accepted commit comes again. The upstream (API, outbox relay) is
// taken as exactly-once and left out of the fault space: an outbox that publishes again
// after a lost acknowledgement puts an old event after a newer one too, and shows the
// same bug without any rewind (the search finds that on its own when they are in).
import { z } from 'zod';
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { outbox } from '../../actors/outbox.js';
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';

interface Req { type: 'req'; key: string; replyTo: number }
interface ItemEvent { readonly id: string; readonly status: 'CREATED' | 'PAID'; readonly version: number }
interface Due { readonly id: string; readonly atMs: number }

const box = outbox({ pollMs: 10, batchMax: 200 });

const api = (paidAfterMs: number): Behaviour<null, Req | RuntimeMessage | { type: 'due' }> => ({
  init: () => null,
  receive(s, m, ctx) {
    const store = ctx.store;
    if (m.type === '$started') ctx.setTimer(20, { type: 'due' });
    else if (m.type === 'req') {
      if (store.insertIfAbsent('items', m.key, { id: m.key })) {
        box.write(ctx, 'events', m.key, { id: m.key, status: 'CREATED', version: 1 } satisfies ItemEvent);
        const n = (store.get<number>('meta', 'dueSeq') ?? 0) + 1;
        store.put('meta', 'dueSeq', n);
        store.put<Due>('due', n, { id: m.key, atMs: ctx.now() + paidAfterMs });
      }
      ctx.send(m.replyTo, { type: 'response', key: m.key, status: 'created' });
    } else if (m.type === 'due') {
      // Payments fall due in the order they were taken: the to-do list is read from its front.
      for (const [n, d] of store.scan<Due>('due', 100)) {
        if (d.atMs > ctx.now()) break;
        box.write(ctx, 'events', d.id, { id: d.id, status: 'PAID', version: 2 } satisfies ItemEvent);
        store.delete('due', n);
      }
      ctx.setTimer(20, { type: 'due' });
    }
    return s;
  },
});

/** How long a `ttl-dedup` projector remembers an event (a dedup key with a time to live, as in Redis). */
const DEDUP_TTL_MS = 6_000;

const projector = (variant: string): Behaviour<null, RuntimeMessage> => ({
  init: () => null,
  receive(s, m, ctx) {
    if (m.type !== '$records') return s;
    const store = ctx.store;
    for (const r of m.records) {
      const e = r.value as ItemEvent;
      if (variant === 'ttl-dedup') {
        // The bug: events are applied as they come, behind dedup keys that expire after 6 s:
        // long enough for any redelivery (a replay reaches back to the last commit the group
        // accepted, seconds at most), not for a reprocessed topic, whose old events come back.
        const eventId = `${e.id}/${e.version}`;
        const seenAt = store.get<number>('processed', eventId);
        if (seenAt !== undefined && ctx.now() - seenAt < DEDUP_TTL_MS) continue;
        store.put('processed', eventId, ctx.now());
        store.put('status', e.id, e);
        continue;
      }
      // Correct: an event applies only if it is newer than what is stored.
      const row = store.get<ItemEvent>('status', e.id);
      if (row === undefined || e.version > row.version) store.put('status', e.id, e);
    }
    ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
    return s;
  },
});

export default defineScenario({
  name: 'projection',
  description: 'API + outbox -> events topic -> status projection (one record per poll)',
  params: { paidAfterMs: z.number().positive().default(200) },
  // 15 s of load: a rewind of 200 records reaches back ~10 s, past the 6 s keys.
  load: { count: 300, ratePerSec: 20, clientTimeoutMs: 1_000 },
  topology: (p) => ({
    topics: [{ name: 'events', partitions: 2 }],
    actors: [
      { name: 'callers', behaviour: loadGenerator<Req>({ target: 'api', load: p, keyPrefix: 'item', request: (_n, key, replyTo) => ({ type: 'req', key, replyTo }) }) },
      { name: 'api', store: 'api', behaviour: api(p.paidAfterMs), serviceTime: 0.5 },
      { name: 'relay', store: 'api', behaviour: box.relay, serviceTime: 0.5 },
      { name: 'projector', behaviour: projector(p.variant), serviceTime: 0.5, consumes: { group: 'projection', topics: ['events'], maxPollRecords: 1 } },
    ],
    tables: { api: { outbox: 'queue', due: 'queue' } },
  }),
  entities: [{
    name: 'item', store: 'projector', table: 'status', status: 'status',
    initial: ['CREATED'], transitions: { CREATED: ['PAID'] }, terminal: { PAID: 'served' }, requestKey: 'id',
  }],
  metrics: { headline: 'response' },
  // Faults on the projector and its group only (see the header).
  faults: (space) => ({
    ...space,
    actors: space.actors.filter((a) => a === 'projector'),
    crashPoints: space.crashPoints.filter((c) => c.actor === 'projector'),
    producers: [],
    responses: space.responses.filter((r) => r.to === 'projector'),
  }),
  variants: { 'ttl-dedup': 'the projector applies events blindly behind dedup keys that expire after 6 s: an old event, read again, moves a status backwards' },
});
