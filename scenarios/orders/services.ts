// The order API (the order and its event in one transaction: the transactional outbox)
// and the payment service (charges keyed by order and attempt: a repeat of an attempt is
// answered from its record; a decline is one attempt's, the next attempt is decided anew).
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { Outbox } from '../../actors/outbox.js';
import type { Charge, Order, OrderCreated } from './worker.js';

export type PlaceOrder = { type: 'place-order'; key: string; amount: number; replyTo: number };

export const TOPIC_ORDERS = 'orders';

export function orderApi(box: Outbox): Behaviour<null, PlaceOrder | RuntimeMessage> {
  return {
    init: () => null,
    receive(s, m, ctx) {
      if (m.type !== 'place-order') return s;
      // A retried request (same key) finds its order and is answered from it.
      if (ctx.store.insertIfAbsent<Order>('orders', m.key, { request: m.key, amount: m.amount, status: 'CREATED', version: 1 })) {
        box.write(ctx, TOPIC_ORDERS, m.key, { eventId: `${m.key}/created`, orderId: m.key, amount: m.amount } satisfies OrderCreated);
      }
      ctx.send(m.replyTo, { type: 'order-response', key: m.key, status: 'CREATED' });
      return s;
    },
  };
}

/**
 * A mock gateway's decision, from the charge's idempotency key (as a test gateway decides by
 * card number): the same in the simulator and live, whatever order charges arrive in. In [0, 1).
 */
function decides(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // murmur3's finaliser: keys that differ in their last character (the attempt) land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

export function paymentService(approvalRate: number, outage: { readonly atMs: number; readonly durationMs: number } = { atMs: 0, durationMs: 0 }): Behaviour<null, Charge | RuntimeMessage> {
  return {
    init: () => null,
    receive(s, m, ctx) {
      if (m.type !== 'charge') return s;
      const t = ctx.now();
      if (outage.durationMs > 0 && t >= outage.atMs && t < outage.atMs + outage.durationMs) {
        // Down: refused at once, nothing recorded (the gateway never saw the attempt).
        ctx.send(m.replyTo, { type: 'charged', key: m.key, attempt: m.attempt, approved: false, unavailable: true });
        return s;
      }
      // Idempotency key: the order and the attempt. A repeat of an attempt gets that attempt's
      // answer; a new attempt after an approval, the approval (an order is charged once).
      const attemptKey = `${m.key}#${m.attempt}`;
      let approved = ctx.store.get<{ approved: boolean }>('attempts', attemptKey)?.approved;
      if (approved === undefined) {
        approved = ctx.store.has('charges', m.key) || decides(attemptKey) < approvalRate;
        ctx.store.put('attempts', attemptKey, { approved });
        if (approved && !ctx.store.has('charges', m.key)) ctx.store.put('charges', m.key, { orderId: m.key, amount: m.amount, status: 'APPROVED' });
      }
      ctx.send(m.replyTo, { type: 'charged', key: m.key, attempt: m.attempt, approved });
      return s;
    },
  };
}
