// The outbox relay: polls RMS's outbox (it shares RMS's database), publishes each event
// to Kafka, and deletes the row once the broker acknowledged it. At-least-once: a crash
// between the acknowledgement and the delete publishes the event again after restart.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundConfig } from './config.js';
import { TOPIC_REQUESTED, type RefundEvent } from './model.js';

export const RELAY_CRASH_POINTS = ['relay.after-publish-before-mark'] as const;

interface RelayState {
  /** Highest outbox sequence handed to the producer since (re)start. */
  cursor: number;
}

export function outboxRelayBehaviour(cfg: RefundConfig): Behaviour<RelayState, { type: 'poll' } | RuntimeMessage> {
  return {
    // Everything at or below `relayLow` is published and deleted: start after it.
    init: (ctx) => ({ cursor: ctx.store.get<number>('meta', 'relayLow') ?? 0 }),
    crashPoints: RELAY_CRASH_POINTS,
    receive(state, msg, ctx) {
      const store = ctx.store;
      switch (msg.type) {
        case '$started':
          ctx.setTimer(cfg.relayPollMs, { type: 'poll' });
          return state;
        case 'poll': {
          const last = store.get<number>('meta', 'outboxSeq') ?? 0;
          const until = Math.min(last, state.cursor + cfg.relayBatchMax);
          for (let seq = state.cursor + 1; seq <= until; seq++) {
            const row = store.get<RefundEvent>('outbox', seq);
            if (row !== undefined) ctx.produce(TOPIC_REQUESTED, row.refundId, row, seq);
          }
          state.cursor = Math.max(state.cursor, until);
          ctx.setTimer(cfg.relayPollMs, { type: 'poll' });
          return state;
        }
        case '$produceFailed':
          // Not delivered: publish again everything not yet marked, from the low-water mark.
          ctx.count('relay.republished');
          state.cursor = Math.min(state.cursor, store.get<number>('meta', 'relayLow') ?? 0);
          return state;
        case '$produced': {
          ctx.crashPoint('relay.after-publish-before-mark');
          for (const seq of msg.tokens) store.delete('outbox', seq as number);
          const last = store.get<number>('meta', 'outboxSeq') ?? 0;
          let low = store.get<number>('meta', 'relayLow') ?? 0;
          const from = low;
          while (low < last && !store.has('outbox', low + 1)) low++;
          if (low !== from) store.put('meta', 'relayLow', low);
          return state;
        }
        default:
          return state;
      }
    },
  };
}
