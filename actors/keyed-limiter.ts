// A sliding-window rate limit per key (per client IP, per merchant), shared by every
// instance of a caller and durable across the limiter's restarts: the seed's Redis sorted
// set per key (ZADD on a grant, ZREMRANGEBYSCORE as the window slides, ZCARD to count).
// Each grant is a row of the limiter's store, so a restarted limiter rebuilds its windows
// from what it granted, instead of starting every client afresh. A caller asks
// `{ type: 'permit-request', id, key, replyTo }` and is answered
// `{ type: 'permit', id, granted, retryAfterMs }`.
import { z } from 'zod';
import type { Behaviour, RuntimeMessage } from '../runtime/contract.js';
import type { PermitAnswer } from './limiter-service.js';

export const keyedLimitSchema = z.strictObject({
  /** At most this many grants per key in any window. */
  maxCalls: z.number().int().min(1),
  windowMs: z.number().positive(),
});

export type KeyedPermitRequest = { type: 'permit-request'; id: string; key: string; replyTo: number };

/** A grant as the limiter's store keeps it (table `grants`): whose, and when (the limiter's clock). */
export interface GrantRow {
  readonly key: string;
  readonly at: number;
  /** The permit request it answered: a caller that records what it let through names it, so a check can match the two. */
  readonly id?: string;
}

interface Windows {
  /** Per key: grant times in the window, oldest first, with their rows' keys. */
  readonly byKey: Map<string, { at: number; row: string }[]>;
  seq: number;
}

export const GRANTS_TABLE = 'grants';

export function keyedLimiterService(options: z.input<typeof keyedLimitSchema>): Behaviour<Windows, KeyedPermitRequest | RuntimeMessage> {
  const o = keyedLimitSchema.parse(options);
  return {
    // Rebuilt in init from the grants the store holds (rows are written in time order), not on
    // `$started`: a permit request due at the same instant as the restart may be handled first.
    init: (ctx) => {
      const w: Windows = { byKey: new Map(), seq: 0 };
      for (const [row, g] of ctx.store.scan<GrantRow>(GRANTS_TABLE)) {
        let times = w.byKey.get(g.key);
        if (times === undefined) w.byKey.set(g.key, (times = []));
        times.push({ at: g.at, row: String(row) });
        w.seq = Math.max(w.seq, Number(String(row).split('#').pop()) + 1 || w.seq);
      }
      return w;
    },
    receive(w, m, ctx) {
      if (m.type !== 'permit-request') return w;
      const now = ctx.now();
      let times = w.byKey.get(m.key);
      if (times === undefined) w.byKey.set(m.key, (times = []));
      // Slide: grants at or before now - windowMs no longer count (and leave the store).
      while (times.length > 0 && times[0].at <= now - o.windowMs) ctx.store.delete(GRANTS_TABLE, times.shift()!.row);
      const granted = times.length < o.maxCalls;
      if (granted) {
        const row = `${m.key}#${w.seq++}`;
        times.push({ at: now, row });
        ctx.store.put<GrantRow>(GRANTS_TABLE, row, { key: m.key, at: now, id: m.id });
      } else ctx.count('limiter.refused');
      if (times.length === 0) w.byKey.delete(m.key);
      const retryAfterMs = granted ? 0 : Math.max(1, Math.ceil(times[0].at + o.windowMs - now));
      ctx.send(m.replyTo, { type: 'permit', id: m.id, granted, retryAfterMs } satisfies PermitAnswer);
      return w;
    },
  };
}
