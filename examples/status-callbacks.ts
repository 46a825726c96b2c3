// Status callbacks between two services, as webhooks are sent: the orders API records each
// order's status changes (CREATED at once, PAID `paidAfterMs` later) in a table of
// callbacks to make, sends each to the status service at once, and sends again, from a
// retry loop, any the status service has not acknowledged within `retryMs`. The status
// service keeps each order's latest status for the customers' app.
// Correct: a callback applies only if its version is newer than what is stored. The
// planted bug, `trusts-link-order`, guards only the retry loop's callbacks (a retry can
// come late) and applies first attempts as they come, trusting that two requests sent in
// order arrive in order. One TCP connection keeps that promise; a pool of them, or a load
// balancer in between, does not, and a PAID order goes back to CREATED. The other,
// `retry-from-memory`, needs two faults at once: the status service losing a callback,
// then an orders crash before its retry. Try:
//   npx faultline check examples/status-callbacks.ts --variant trusts-link-order
import { defineScenario, loadGenerator, z, type Behaviour, type RuntimeMessage } from 'faultline';

interface PlaceOrder { type: 'place-order'; key: string; replyTo: number }
interface Callback { readonly id: string; readonly status: 'CREATED' | 'PAID'; readonly version: number }
interface StatusUpdate extends Callback { type: 'status-update'; readonly retry: boolean; readonly replyTo: number }
interface StatusAck { type: 'status-ack'; readonly id: string; readonly version: number }
interface Pending extends Callback { readonly sentAtMs: number }
interface Due { readonly id: string; readonly atMs: number }
type Tick = { type: 'pay-due' } | { type: 'retry-due' };

const callbackKey = (c: { readonly id: string; readonly version: number }) => `${c.id}/${c.version}`;

const ordersApi = (variant: string, paidAfterMs: number, retryMs: number): Behaviour<Map<string, Pending>, PlaceOrder | StatusAck | Tick | RuntimeMessage> => ({
  // Callbacks sent and waiting for their acknowledgement, in memory: only the retry-from-memory variant keeps them here.
  init: () => new Map(),
  // What the run waits for before its verdict: callbacks not yet acknowledged, and payments not yet due.
  pending: (s, store) => s.size + store.scan('callbacks').length + store.scan('due').length,
  receive(s, m, ctx) {
    const store = ctx.store;
    // The callback, in the transaction of the change it announces; sent now, and again until acknowledged.
    const announce = (c: Callback) => {
      store.put<Pending>('callbacks', callbackKey(c), { ...c, sentAtMs: ctx.now() });
      ctx.send('status', { type: 'status-update', ...c, retry: false, replyTo: ctx.ref(ctx.selfName) } satisfies StatusUpdate);
    };
    switch (m.type) {
      case '$started':
        ctx.setTimer(10, { type: 'pay-due' });
        ctx.setTimer(retryMs / 2, { type: 'retry-due' });
        break;
      case 'place-order':
        if (store.insertIfAbsent('orders', m.key, { id: m.key })) {
          announce({ id: m.key, status: 'CREATED', version: 1 });
          const n = (store.get<number>('meta', 'dueSeq') ?? 0) + 1;
          store.put('meta', 'dueSeq', n);
          store.put<Due>('due', n, { id: m.key, atMs: ctx.now() + paidAfterMs });
        }
        ctx.send(m.replyTo, { type: 'order-response', key: m.key, status: 'created' });
        break;
      case 'pay-due':
        // Payments fall due in the order they were taken: the to-do list is read from its front.
        for (const [n, d] of store.scan<Due>('due', 100)) {
          if (d.atMs > ctx.now()) break;
          announce({ id: d.id, status: 'PAID', version: 2 });
          store.delete('due', n);
        }
        ctx.setTimer(10, { type: 'pay-due' });
        break;
      case 'retry-due':
        if (variant === 'retry-from-memory') {
          // The bug: callbacks already sent move out of the table ("it only needs to hold what
          // was never sent") and are retried from memory, which a crash loses.
          for (const [key, c] of store.scan<Pending>('callbacks')) {
            s.set(String(key), c);
            store.delete('callbacks', key);
          }
        }
        for (const [key, c] of variant === 'retry-from-memory' ? [...s] : store.scan<Pending>('callbacks')) {
          if (ctx.now() - c.sentAtMs < retryMs) continue;
          if (variant === 'retry-from-memory') s.set(String(key), { ...c, sentAtMs: ctx.now() });
          else store.put<Pending>('callbacks', key, { ...c, sentAtMs: ctx.now() });
          ctx.send('status', { type: 'status-update', id: c.id, status: c.status, version: c.version, retry: true, replyTo: ctx.ref(ctx.selfName) } satisfies StatusUpdate);
        }
        ctx.setTimer(retryMs / 2, { type: 'retry-due' });
        break;
      case 'status-ack':
        s.delete(callbackKey(m));
        store.delete('callbacks', callbackKey(m));
        break;
    }
    return s;
  },
});

const statusService = (variant: string): Behaviour<null, StatusUpdate | RuntimeMessage> => ({
  init: () => null,
  receive(s, m, ctx) {
    if (m.type !== 'status-update') return s;
    const stored = ctx.store.get<Callback>('status', m.id);
    const newer = stored === undefined || m.version > stored.version;
    // The bug: only a retry is checked against what is stored; a first attempt is trusted to be in order.
    const apply = variant === 'trusts-link-order' && !m.retry ? true : newer;
    if (apply) ctx.store.put<Callback>('status', m.id, { id: m.id, status: m.status, version: m.version });
    ctx.send(m.replyTo, { type: 'status-ack', id: m.id, version: m.version } satisfies StatusAck);
    return s;
  },
});

export default defineScenario({
  name: 'status-callbacks',
  description: 'orders API -> status callbacks (sent at once, retried until acknowledged) -> status service',
  params: {
    paidAfterMs: z.number().positive().default(20),
    retryMs: z.number().positive().default(500),
  },
  load: { count: 200, ratePerSec: 50, clientTimeoutMs: 1_000 },
  topology: (p) => ({
    topics: [],
    actors: [
      { name: 'customers', behaviour: loadGenerator<PlaceOrder>({ target: 'orders', load: p, keyPrefix: 'order', responseType: 'order-response', request: (_n, key, replyTo) => ({ type: 'place-order', key, replyTo }) }) },
      { name: 'orders', behaviour: ordersApi(p.variant, p.paidAfterMs, p.retryMs), serviceTime: 0.5 },
      { name: 'status', behaviour: statusService(p.variant), serviceTime: 0.5 },
    ],
    tables: { orders: { due: 'queue' } },
  }),
  // Each order's status, as the customers' app reads it: CREATED, then PAID, never back.
  entities: [{
    name: 'order-status', store: 'status', table: 'status', status: 'status',
    initial: ['CREATED', 'PAID'], transitions: { CREATED: ['PAID'] }, terminal: { PAID: 'served' }, requestKey: 'id',
  }],
  metrics: { headline: 'response' },
  variants: {
    'retry-from-memory': 'the orders API moves callbacks it has sent out of its table and retries them from memory: the status service losing one and an orders crash before the retry lose it for good',
    'trusts-link-order': 'the status service checks versions on retried callbacks only: two first attempts that change places move a PAID order back to CREATED',
  },
});
