// A user-written scenario on the kit: an orders API publishes each accepted order to a
// topic and answers once the broker has it; a shipper consumes the topic and ships each
// order once (its shipments table is keyed by order id). Run it with
//   npx faultline run examples/two-services.ts --seed 1
//   npx faultline check examples/two-services.ts --variant answer-before-publish
import { defineScenario, loadGenerator, z, type Behaviour, type RuntimeMessage } from 'faultline';

interface PlaceOrder { type: 'place-order'; key: string; item: number; replyTo: number }

/** The API: publishes the order, answers "accepted" once the broker acknowledged it. */
const api = (variant: string): Behaviour<null, PlaceOrder | RuntimeMessage> => ({
  init: () => null,
  receive(s, m, ctx) {
    if (m.type === 'place-order') {
      ctx.produce('orders', m.key, { orderId: m.key, item: m.item }, { key: m.key, replyTo: m.replyTo });
      // The bug: the caller is told before the order is safe on the topic.
      if (variant === 'answer-before-publish') ctx.send(m.replyTo, { type: 'order-response', key: m.key, status: 'accepted' });
    } else if (m.type === '$produced' && variant !== 'answer-before-publish') {
      for (const t of m.tokens as { key: string; replyTo: number }[]) ctx.send(t.replyTo, { type: 'order-response', key: t.key, status: 'accepted' });
    }
    return s;
  },
});

/** The shipper: one shipment per order (insert-if-absent by order id), offsets committed after. */
const shipper = (variant: string): Behaviour<null, RuntimeMessage> => ({
  init: () => null,
  crashPoints: ['shipper.after-ship'],
  receive(s, m, ctx) {
    if (m.type !== '$records') return s;
    for (const r of m.records) {
      const order = r.value as { orderId: string };
      // The bug: shipments numbered by delivery, not keyed by order: a redelivery ships again.
      const key = variant === 'ship-per-delivery' ? `${order.orderId}@${r.offset}:${ctx.now()}` : order.orderId;
      if (ctx.store.insertIfAbsent('shipments', key, { orderId: order.orderId, status: 'SHIPPED' })) ctx.count('shipped');
    }
    ctx.crashPoint('shipper.after-ship');
    ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
    return s;
  },
});

export default defineScenario({
  name: 'two-services',
  description: 'orders API -> orders topic -> shipper (one shipment per order)',
  params: { partitions: z.number().int().min(1).default(4) },
  load: { count: 1_000, ratePerSec: 200 },
  topology: (p) => ({
    topics: [{ name: 'orders', partitions: p.partitions }],
    actors: [
      {
        name: 'customers',
        behaviour: loadGenerator<PlaceOrder>({
          target: 'api', load: p, keyPrefix: 'order', responseType: 'order-response',
          request: (_n, key, replyTo, _at, ctx) => ({ type: 'place-order', key, item: Math.floor(ctx.random() * 100), replyTo }),
        }),
      },
      { name: 'api', behaviour: api(p.variant), workers: 4, serviceTime: 1 },
      { name: 'shipper', behaviour: shipper(p.variant), workers: 2, serviceTime: 1, consumes: { group: 'shipping', topics: ['orders'] } },
    ],
  }),
  // Each order is shipped once: a shipment, keyed by its order, is the entity.
  entities: [{
    name: 'shipment', store: 'shipper', table: 'shipments', status: 'status',
    initial: ['SHIPPED'], transitions: {}, terminal: { SHIPPED: 'served' }, requestKey: 'orderId',
  }],
  metrics: { headline: 'response', slo: 'response.p99<1000' },
  variants: {
    'answer-before-publish': 'the API says "accepted" before the broker has the order: a crash or an outage loses accepted orders',
    'ship-per-delivery': 'the shipper keys shipments by delivery, not by order: a redelivered order ships twice',
  },
});
