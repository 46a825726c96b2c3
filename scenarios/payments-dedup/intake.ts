// The payment-event producer of seeds/004 (its payment simulator): terminals submit
// payments; the producer records what it accepted and produces each submission to the
// topic keyed by transaction id, answering once the broker has it. It does not dedup: a
// terminal's network retry (the load generator's duplicates and timeouts) reaches the
// stream twice, as in the seed.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';

export const TOPIC_EVENTS = 'payment-events';

export type SubmitPayment = { type: 'payment'; key: string; amount: number; eventTime: number; replyTo: number };

/** A payment event on the topic. `ingestedAt`: when the producer took it (end-to-end latency counts from here). */
export interface PaymentEvent { readonly txId: string; readonly amount: number; readonly eventTime: number; readonly ingestedAt: number }

/** What the producer accepted, and when it took it (its clock): the source of truth the sink is reconciled against. */
export interface Accepted { readonly txId: string; readonly amount: number; readonly eventTime: number; readonly acceptedAt: number }

export const paymentProducer: Behaviour<null, SubmitPayment | RuntimeMessage> = {
  init: () => null,
  receive(s, m, ctx) {
    switch (m.type) {
      case 'payment': {
        ctx.store.insertIfAbsent<Accepted>('accepted', m.key, { txId: m.key, amount: m.amount, eventTime: m.eventTime, acceptedAt: ctx.now() });
        ctx.produce(TOPIC_EVENTS, m.key, { txId: m.key, amount: m.amount, eventTime: m.eventTime, ingestedAt: ctx.now() } satisfies PaymentEvent, [m.key, m.replyTo]);
        return s;
      }
      case '$produced':
        for (const t of m.tokens) {
          const [key, replyTo] = t as [string, number];
          ctx.send(replyTo, { type: 'payment-response', key, status: 'ACCEPTED' });
        }
        return s;
      case '$produceFailed':
        for (const t of m.tokens) {
          const [key, replyTo] = t as [string, number];
          ctx.send(replyTo, { type: 'payment-response', key, status: 'FAILED' });
        }
        return s;
      default:
        return s;
    }
  },
};
