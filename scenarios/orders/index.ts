// seeds/002 on the kit: an order API with a transactional outbox, a publisher, payment
// workers (a consumer group) with a processed-events table, optimistic locking,
// synchronous retries and a dead-letter table, and a payment service. By default the
// design as the seed built it (`as-seeded`), with the bug it documents: the dedup mark
// commits before the payment call, so a crash in between leaves the order in
// PAYMENT_PENDING for good. `fixed` writes the mark with the outcome.
import fc from 'fast-check';
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { outbox } from '../../actors/outbox.js';
import { sameSets, atMostOnce } from '../../checks/effects.js';
import { versionsIncrease } from '../../checks/versions.js';
import { ViolationLog, type Checker } from '../../checks/types.js';
import { orderParamsShape, type OrderParams } from './params.js';
import { TOPIC_ORDERS, orderApi, paymentService, type PlaceOrder } from './services.js';
import { TOPIC_RETRY, paymentWorker, type DeadLetter, type Order } from './worker.js';
import { ORDER_CLAIMS, ORDER_LIMITATIONS } from './claims.js';
import { circuitBreakerSchema } from '../../actors/circuit-breaker.js';

const box = outbox({ pollMs: 20, batchMax: 500 });
const DB = 'orders-db';

/** A dead letter only after the last attempt (the seed: "DLQ only after 3 retries"). */
function deadLetterAfterMaxAttempts(p: OrderParams): Checker {
  const description = `an event is dead-lettered only after ${p.maxAttempts} declined attempts`;
  return {
    name: 'dead-letter-after-max-attempts',
    description,
    check(obs) {
      const log = new ViolationLog('dead-letter-after-max-attempts', description);
      for (const [, d] of obs.table<DeadLetter>(DB, 'dead_letter_events')) {
        if (d.attempts !== p.maxAttempts) log.add(d.orderId, `dead-lettered after ${d.attempts} attempts`);
      }
      return log.result();
    },
  };
}

export default defineScenario({
  name: 'orders',
  description: 'order API + transactional outbox -> orders topic -> payment workers (dedup, optimistic locking, synchronous retries, dead letters) -> payment service (seeds/002)',
  params: orderParamsShape,
  load: { count: 600, ratePerSec: 5, clientTimeoutMs: 2_000 },
  topology: (p) => ({
    topics: [{ name: TOPIC_ORDERS, partitions: p.partitions }, ...(p.variant === 'retry-topic' ? [{ name: TOPIC_RETRY, partitions: p.partitions }] : [])],
    actors: [
      {
        name: 'customers',
        behaviour: loadGenerator<PlaceOrder>({
          target: 'api', load: p, keyPrefix: 'order', responseType: 'order-response', metric: 'apiResponse',
          request: (_n, key, replyTo, _at, ctx) => ({ type: 'place-order', key, amount: 10 + Math.floor(ctx.random() * 490), replyTo }),
        }),
      },
      { name: 'api', store: DB, behaviour: orderApi(box), workers: 8, serviceTime: 2 },
      { name: 'publisher', store: DB, behaviour: box.relay, serviceTime: 0.5 },
      ...Array.from({ length: p.members }, (_, i) => ({
        name: `payment-worker-${i + 1}`, store: DB, behaviour: paymentWorker(p as OrderParams), serviceTime: 1, consumes: { group: 'payment-workers', topics: p.variant === 'retry-topic' ? [TOPIC_ORDERS, TOPIC_RETRY] : [TOPIC_ORDERS] },
      })),
      { name: 'payment-service', behaviour: paymentService(p.approvalRate, { atMs: p.paymentOutageAtMs, durationMs: p.paymentOutageMs }), workers: 64, serviceTime: p.paymentLatencyMs },
    ],
    tables: { [DB]: { outbox: 'queue' } },
  }),
  entities: [{
    name: 'order', store: DB, table: 'orders', status: 'status', requestKey: 'request',
    initial: ['CREATED'], transitions: { CREATED: ['PAYMENT_PENDING'], PAYMENT_PENDING: ['PAID', 'FAILED'] },
    terminal: { PAID: 'served', FAILED: 'served' },
  }],
  invariants: (p) => [
    atMostOnce({ name: 'one-charge-per-order', effects: { store: 'payment-service', table: 'charges', keyOf: (c: { orderId: string }) => c.orderId, noun: 'approved charge' }, effectPerWrite: true }),
    sameSets({ name: 'paid-means-charged', a: { store: DB, table: 'orders', where: (o: Order) => o.status === 'PAID', noun: 'paid order' }, b: { store: 'payment-service', table: 'charges', noun: 'approved charge' } }),
    sameSets({ name: 'failed-means-dead-lettered', a: { store: DB, table: 'orders', where: (o: Order) => o.status === 'FAILED', noun: 'failed order' }, b: { store: DB, table: 'dead_letter_events', keyOf: (d: DeadLetter) => d.orderId, noun: 'dead letter' } }),
    versionsIncrease({ name: 'order-versions-increase', store: DB, table: 'orders', noun: 'order' }),
    deadLetterAfterMaxAttempts(p as OrderParams),
  ],
  metrics: { headline: 'apiResponse', slo: 'apiResponse.p99<50' },
  claims: [...ORDER_CLAIMS, ...ORDER_LIMITATIONS],
  defaultVariant: 'as-seeded',
  fixedBy: 'fixed',
  alternatives: ['retry-topic', 'breaker'],
  variants: {
    fixed: 'the processed-events mark is written with the outcome (PAID or FAILED), in one transaction: a crash before the payment call leaves the event unmarked, and its redelivery is paid',
    breaker: 'the fix, with a circuit breaker around payment calls (the seed\'s limitation 5): when the payment service is down, calls fail fast and wait for the breaker instead of using up an event\'s attempts',
    'retry-topic': 'the fix, with the seed\'s production alternative to synchronous retries: a declined event goes to the orders-retry topic with its next attempt and when it is due, and its partition moves on once the broker has it (compare: capacity orders --sweep variant=fixed,retry-topic)',
  },
  check: {
    // A short load of orders, with the seed's timings scaled down so a run is seconds of virtual time.
    params: { count: 40, ratePerSec: 10, paymentLatencyMs: 50, retryDelayMs: 100, chargeTimeoutMs: 400, partitions: 6, paymentOutageAtMs: 1_000, breaker: circuitBreakerSchema.parse({ minimumNumberOfCalls: 4, waitDurationInOpenStateMs: 500 }) },
    // An outage is for the user to add (--param paymentOutageMs=2000, at 1 s): with one, the seed's retry loop
    // can dead-letter an order whose earlier copy of a charge lands after the outage (see the README).
    workload: fc.record({ approvalRate: fc.constantFrom(0.3, 0.7, 1) }),
  },
});
