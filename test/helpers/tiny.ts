// A tiny request/response scenario for kit and harness tests: a load generator and a
// service that answers each request (or drops, stalls or crashes, as a test asks).
import { z } from 'zod';
import { defineScenario, type ActorDecl } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import type { Behaviour } from '../../runtime/contract.js';

export interface Req { type: 'req'; key: string; replyTo: number }

/** Answers every request; with `dropFirst` it ignores the first n messages it is sent (a lost request). */
export function service(o: { dropFirst?: number; status?: string } = {}): Behaviour<{ seen: number }, Req | { type: string }> {
  return {
    init: () => ({ seen: 0 }),
    receive(s, m, ctx) {
      if (m.type !== 'req') return s;
      if (++s.seen <= (o.dropFirst ?? 0)) return s;
      ctx.store.insertIfAbsent('done', (m as Req).key, { key: (m as Req).key, status: 'DONE' });
      ctx.send((m as Req).replyTo, { type: 'response', key: (m as Req).key, status: o.status ?? 'ok' });
      return s;
    },
  };
}

export function tiny(extra: { actors?: ActorDecl[]; service?: Behaviour<any, any>; load?: Record<string, unknown>; name?: string } = {}) {
  return defineScenario({
    name: extra.name ?? 'tiny',
    description: 'a load generator and a service',
    params: { serviceMs: z.number().positive().default(1) },
    load: { count: 100, ratePerSec: 100, clientTimeoutMs: 1_000, ...extra.load },
    topology: (p) => ({
      topics: [],
      actors: [
        { name: 'callers', behaviour: loadGenerator<Req>({ target: 'svc', load: p, request: (_n, key, replyTo) => ({ type: 'req', key, replyTo }) }) },
        { name: 'svc', behaviour: extra.service ?? service(), serviceTime: p.serviceMs, workers: 4 },
        ...(extra.actors ?? []),
      ],
    }),
  });
}
