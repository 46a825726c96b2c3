// An order/payment pipeline on the kit's patterns: the API writes each order and its
// "created" event in one transaction (transactional outbox), a relay publishes the event,
// payment workers (a consumer group) charge each order once through a payment service
// and commit offsets only after the outcome (commit after async work), with a
// processed-events table (idempotent consumer) and a version check on every order update
// (optimistic locking). The planted bug, `mark-before-charge`, is seeds/002's documented
// one: the dedup mark commits before the charge is made, so a crash in between leaves
// the order stuck. Try:
//   npx faultline check examples/order-payments.ts --variant mark-before-charge
import {
  OffsetTracker, atMostOnce, defineScenario, firstDelivery, loadGenerator, outbox, sameSets, z,
  type Behaviour, type Context, type RuntimeMessage,
} from 'faultline';

interface Order { readonly request: string; readonly amount: number; readonly status: string; readonly version: number }
interface Created { readonly eventId: string; readonly orderId: string; readonly amount: number }
type Place = { type: 'place-order'; key: string; amount: number; replyTo: number };
type Charge = { type: 'charge'; key: string; amount: number; replyTo: number };
type Charged = { type: 'charged'; key: string; approved: boolean };

const box = outbox({ pollMs: 20, batchMax: 500 });

/** The API: the order and its event in one transaction; a retried request is answered from the row. */
const api: Behaviour<null, Place | RuntimeMessage> = {
  init: () => null,
  receive(s, m, ctx) {
    if (m.type !== 'place-order') return s;
    const orderId = m.key;
    if (ctx.store.insertIfAbsent<Order>('orders', orderId, { request: m.key, amount: m.amount, status: 'CREATED', version: 1 })) {
      box.write(ctx, 'orders', orderId, { eventId: `${orderId}/created`, orderId, amount: m.amount } satisfies Created);
    }
    ctx.send(m.replyTo, { type: 'order-response', key: m.key, status: 'CREATED' });
    return s;
  },
};

/** Moves an order with a version check (optimistic locking: the payment worker shares the API's database). */
function move(ctx: Context, orderId: string, from: string[], to: string): boolean {
  const o = ctx.store.get<Order>('orders', orderId);
  if (o === undefined || !from.includes(o.status)) return false;
  return ctx.store.putIfVersion<Order>('orders', orderId, o.version, { ...o, status: to, version: o.version + 1 });
}

type Offset = { topic: string; partition: number; offset: number };
interface WorkerState { offsets: OffsetTracker; charging: Map<string, { event: Created; offsets: Offset[] }> }

/** A payment worker: charge each created order once, then record the outcome and release the record's offset. */
const worker = (variant: string, chargeTimeoutMs: number): Behaviour<WorkerState, RuntimeMessage | Charged | { type: 'charge-timeout'; key: string }> => ({
  init: () => ({ offsets: new OffsetTracker(), charging: new Map() }),
  crashPoints: ['payments.after-charge-sent'],
  receive(s, m, ctx) {
    const charge = (e: Created) => ctx.send('psp', { type: 'charge', key: e.orderId, amount: e.amount, replyTo: ctx.ref(ctx.selfName) } satisfies Charge);
    if (m.type === '$assigned') s.offsets.assigned(m.partitions);
    else if (m.type === '$records') {
      s.offsets.takeAll(m);
      for (const r of m.records) {
        const e = r.value as Created;
        const offset = { topic: m.topic, partition: m.partition, offset: r.offset };
        // The bug: the processed-events mark commits now, before the charge is made.
        const seen = variant === 'mark-before-charge' ? !firstDelivery(ctx, 'processed', e.eventId) : ctx.store.has('processed', e.eventId);
        if (seen) {
          s.offsets.release(ctx, [offset]);
          continue;
        }
        // The order's charge is still in flight (a rebalance delivered its event again): this
        // record is done when that charge is, not now, or a crash before the answer loses it.
        const inFlight = s.charging.get(e.orderId);
        if (inFlight !== undefined) {
          inFlight.offsets.push(offset);
          continue;
        }
        move(ctx, e.orderId, ['CREATED'], 'PAYMENT_PENDING');
        s.charging.set(e.orderId, { event: e, offsets: [offset] });
        charge(e);
        ctx.setTimer(chargeTimeoutMs, { type: 'charge-timeout', key: e.orderId });
      }
      ctx.crashPoint('payments.after-charge-sent');
    } else if (m.type === 'charged') {
      const c = s.charging.get(m.key);
      if (c === undefined) return s;
      s.charging.delete(m.key);
      move(ctx, m.key, ['PAYMENT_PENDING', 'CREATED'], m.approved ? 'PAID' : 'FAILED');
      if (variant !== 'mark-before-charge') firstDelivery(ctx, 'processed', c.event.eventId);
      s.offsets.release(ctx, c.offsets);
    } else if (m.type === 'charge-timeout') {
      // No answer: ask again under the same key (the payment service answers a repeat from its record).
      const c = s.charging.get(m.key);
      if (c !== undefined) {
        // The bug: the record counts as done once its charge goes again, trusting the retry in memory.
        if (variant === 'timeout-releases') s.offsets.release(ctx, c.offsets.splice(0));
        charge(c.event);
        ctx.setTimer(chargeTimeoutMs, { type: 'charge-timeout', key: m.key });
      }
    }
    return s;
  },
});

/** The payment service: one charge per order (keyed by order id), approved with some probability. */
const psp = (approvalRate: number): Behaviour<null, Charge | RuntimeMessage> => ({
  init: () => null,
  receive(s, m, ctx) {
    if (m.type !== 'charge') return s;
    let c = ctx.store.get<{ orderId: string; status: string }>('charges', m.key);
    if (c === undefined) {
      c = { orderId: m.key, status: ctx.random() < approvalRate ? 'APPROVED' : 'DECLINED' };
      ctx.store.put('charges', m.key, c);
    }
    ctx.send(m.replyTo, { type: 'charged', key: m.key, approved: c.status === 'APPROVED' } satisfies Charged);
    return s;
  },
});

export default defineScenario({
  name: 'order-payments',
  description: 'API + outbox -> orders topic -> payment workers (dedup, optimistic locking) -> payment service',
  params: {
    partitions: z.number().int().min(1).default(6),
    approvalRate: z.number().min(0).max(1).default(0.9),
    chargeTimeoutMs: z.number().positive().default(2_000),
    pspLatencyMs: z.number().positive().default(50),
  },
  load: { count: 2_000, ratePerSec: 200 },
  topology: (p) => ({
    topics: [{ name: 'orders', partitions: p.partitions }],
    actors: [
      {
        name: 'customers',
        behaviour: loadGenerator<Place>({
          target: 'api', load: p, keyPrefix: 'order', responseType: 'order-response', metric: 'apiResponse',
          request: (_n, key, replyTo, _at, ctx) => ({ type: 'place-order', key, amount: 10 + Math.floor(ctx.random() * 490), replyTo }),
        }),
      },
      { name: 'api', store: 'orders-db', behaviour: api, workers: 8, serviceTime: 2 },
      { name: 'relay', store: 'orders-db', behaviour: box.relay, serviceTime: 0.5 },
      { name: 'payments', store: 'orders-db', behaviour: worker(p.variant, p.chargeTimeoutMs), workers: 2, serviceTime: 1, consumes: { group: 'payments', topics: ['orders'] } },
      { name: 'psp', behaviour: psp(p.approvalRate), workers: 16, serviceTime: p.pspLatencyMs },
    ],
    tables: { 'orders-db': { outbox: 'queue' } },
  }),
  entities: [{
    name: 'order', store: 'orders-db', table: 'orders', status: 'status', requestKey: 'request',
    initial: ['CREATED'], transitions: { CREATED: ['PAYMENT_PENDING', 'PAID', 'FAILED'], PAYMENT_PENDING: ['PAID', 'FAILED'] },
    terminal: { PAID: 'served', FAILED: 'served' },
  }],
  invariants: () => [
    atMostOnce({ name: 'one-charge-per-order', effects: { store: 'psp', table: 'charges', where: (c: { status: string }) => c.status === 'APPROVED', keyOf: (c: { orderId: string }) => c.orderId, noun: 'approved charge' }, effectPerWrite: true }),
    sameSets({ name: 'paid-means-charged', a: { store: 'orders-db', table: 'orders', where: (o: Order) => o.status === 'PAID', noun: 'paid order' }, b: { store: 'psp', table: 'charges', where: (c: { status: string }) => c.status === 'APPROVED', keyOf: (c: { orderId: string }) => c.orderId, noun: 'approved charge' } }),
  ],
  metrics: { headline: 'apiResponse', slo: 'apiResponse.p99<50' },
  variants: {
    'mark-before-charge': 'the processed-events mark commits before the charge (seeds/002): a crash in between leaves the order stuck',
    'timeout-releases': 'a worker whose charge timed out commits the order\'s record when it asks again, trusting the retry in memory: the payment service losing the charge and a worker crash before the retry is answered leave the order stuck',
  },
});
