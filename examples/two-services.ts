// A user-written scenario: an orders API publishes to a topic, a shipper consumes it
// and ships each order once (insert-if-absent keyed by order id). Run it with
//   npx faultline run examples/two-services.ts --seed 1
import { ViolationLog, type Behaviour, type RuntimeMessage, type Scenario } from 'faultline';

interface Params { orders: number; ratePerSec: number }

const api = (p: Params): Behaviour<{ n: number }, { type: 'next' } | RuntimeMessage> => ({
  init: () => ({ n: 0 }),
  receive(s, m, ctx) {
    if ((m.type === '$started' && !m.restart) || m.type === 'next') {
      if (s.n >= p.orders) return s;
      s.n++;
      ctx.produce('orders', `order-${s.n}`, { id: `order-${s.n}`, placedAt: ctx.now() });
      ctx.setTimer(1000 / p.ratePerSec, { type: 'next' });
    }
    return s;
  },
});

const shipper: Behaviour<null, RuntimeMessage> = {
  init: () => null,
  receive(s, m, ctx) {
    if (m.type !== '$records') return s;
    for (const r of m.records) ctx.store.insertIfAbsent('shipments', r.key, { at: ctx.now() });
    ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
    return s;
  },
};

const scenario: Scenario<Params> = {
  name: 'two-services',
  description: 'orders API -> orders topic -> shipper',
  params: (o) => ({ orders: Number(o.refunds ?? 1000), ratePerSec: Number(o.ratePerSec ?? 200) }),
  build(sim, p) {
    sim.addTopic({ name: 'orders', partitions: 4 });
    sim.addActor({ name: 'api', behaviour: api(p) });
    sim.addActor({ name: 'shipper', behaviour: shipper, workers: 2, serviceTime: 1, consumes: { group: 'shipping', topics: ['orders'] } });
    return {
      loadDone: () => (sim.actor('api').state as { n: number }).n >= p.orders,
      quietMs: 5_000,
      drainDeadlineMs: 60_000,
      check() {
        const shipped = new ViolationLog('shipped-once', 'every order is shipped');
        const shipments = sim.store('shipper').table('shipments');
        for (let i = 1; i <= p.orders; i++) if (!shipments.has(`order-${i}`)) shipped.add(`order-${i}`, 'never shipped');
        return [shipped.result()];
      },
      summary: () => ({ shipped: sim.store('shipper').table('shipments').size }),
    };
  },
};
export default scenario;
