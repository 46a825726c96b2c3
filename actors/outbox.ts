// The transactional outbox: a service writes its entity and the event announcing it in
// ONE transaction (`write` puts the event into the outbox table of the same store), and
// a relay publishes the outbox's rows to Kafka in order, deleting each once the broker
// has acknowledged it. At-least-once: a crash between the acknowledgement and the delete
// publishes the event again after the restart, so consumers must be idempotent.
import type { Behaviour, Context, RuntimeMessage } from '../runtime/contract.js';

export const RELAY_CRASH_POINTS = ['relay.after-publish-before-mark'] as const;

export interface OutboxRow {
  readonly topic: string;
  readonly key: string;
  readonly value: unknown;
}

export interface OutboxOptions {
  /** The outbox table in the service's store (default "outbox"); keep it a queue (`tables: { outbox: 'queue' }`). */
  readonly table?: string;
  /** The relay looks for new rows this often. */
  readonly pollMs: number;
  /** Rows handed to the producer per poll, at most. */
  readonly batchMax: number;
}

export interface Outbox {
  readonly table: string;
  /** Puts an event into the outbox, in the transaction of the message being handled. */
  write(ctx: Context, topic: string, key: string, value: unknown): void;
  /** The relay: an actor of the same store (the same service's database). */
  readonly relay: Behaviour<RelayState, { type: 'poll' } | RuntimeMessage>;
}

export interface RelayState {
  /** Highest outbox sequence handed to the producer since (re)start. */
  cursor: number;
}

export function outbox(o: OutboxOptions): Outbox {
  const table = o.table ?? 'outbox';
  // Sequence and low-water mark live beside the rows, in a table of the outbox's own.
  const meta = `$${table}`;
  const write = (ctx: Context, topic: string, key: string, value: unknown) => {
    const store = ctx.store;
    const seq = (store.get<number>(meta, 'seq') ?? 0) + 1;
    store.put(meta, 'seq', seq);
    store.put<OutboxRow>(table, seq, { topic, key, value });
  };
  const relay: Outbox['relay'] = {
    // Everything at or below `low` is published and deleted: start after it.
    init: (ctx) => ({ cursor: ctx.store.get<number>(meta, 'low') ?? 0 }),
    crashPoints: RELAY_CRASH_POINTS,
    // Rows written and not yet deleted (published), counted from the sequence and the low-water mark.
    pending: (_s, store) => (store.get<number>(meta, 'seq') ?? 0) - (store.get<number>(meta, 'low') ?? 0),
    receive(state, msg, ctx) {
      const store = ctx.store;
      switch (msg.type) {
        case '$started':
          ctx.setTimer(o.pollMs, { type: 'poll' });
          return state;
        case 'poll': {
          const last = store.get<number>(meta, 'seq') ?? 0;
          const until = Math.min(last, state.cursor + o.batchMax);
          for (let seq = state.cursor + 1; seq <= until; seq++) {
            const row = store.get<OutboxRow>(table, seq);
            if (row !== undefined) ctx.produce(row.topic, row.key, row.value, seq);
          }
          state.cursor = Math.max(state.cursor, until);
          ctx.setTimer(o.pollMs, { type: 'poll' });
          return state;
        }
        case '$produceFailed':
          // Not delivered: publish again everything not yet deleted, from the low-water mark.
          ctx.count('relay.republished');
          state.cursor = Math.min(state.cursor, store.get<number>(meta, 'low') ?? 0);
          return state;
        case '$produced': {
          ctx.crashPoint('relay.after-publish-before-mark');
          for (const seq of msg.tokens) store.delete(table, seq as number);
          const last = store.get<number>(meta, 'seq') ?? 0;
          let low = store.get<number>(meta, 'low') ?? 0;
          const from = low;
          while (low < last && !store.has(table, low + 1)) low++;
          if (low !== from) store.put(meta, 'low', low);
          return state;
        }
        default:
          return state;
      }
    },
  };
  return { table, write, relay };
}
