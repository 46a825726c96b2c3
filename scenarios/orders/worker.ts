// The payment worker of seeds/002: one consumer-group member that takes each order's
// "created" event, dedups it by processed_events(event_id, worker_id), moves the order
// with optimistic locking, calls the payment service and retries a declined charge up to
// `maxAttempts` times, 1–2 s apart, synchronously: the partition waits (records of one
// partition are handled one at a time, in order). After the last decline the event goes
// to dead_letter_events with the reason and the order to FAILED; the record's offset is
// committed only once its order is PAID or FAILED.
// The seed's design (`as-seeded`) marks the event processed before it calls the payment
// service: a crash in between leaves the order in PAYMENT_PENDING for good, since the
// redelivered event is then skipped. `fixed` writes the mark with the outcome, in one
// transaction. A charge whose answer does not come is asked again (the payment service
// keys charges by order, so a repeat is harmless); only declines count as attempts.
// `retry-topic` is the seed's "production alternative", on the fix: a declined event goes
// to the orders-retry topic with its next attempt and the time it is due, and the order's
// partition moves on once the broker has it; the workers consume the retry topic too, and
// only a retry partition waits for its head to come due.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { OrderParams } from './params.js';
import { BREAKER_LEVEL, CircuitBreaker } from '../../actors/circuit-breaker.js';

export interface Order { readonly request: string; readonly amount: number; readonly status: string; readonly version: number }
export interface OrderCreated { readonly eventId: string; readonly orderId: string; readonly amount: number }
export interface DeadLetter { readonly eventId: string; readonly orderId: string; readonly payload: OrderCreated; readonly reason: string; readonly attempts: number; readonly failedAtMs: number }
export type Charge = { type: 'charge'; key: string; amount: number; attempt: number; replyTo: number };
/** `unavailable`: the payment service was down and never saw the attempt (a failure, not a decline). */
export type Charged = { type: 'charged'; key: string; attempt: number; approved: boolean; unavailable?: boolean };
/** An event on the retry topic: its next attempt, due at `notBefore` (the worker's clock). */
export interface RetryEvent extends OrderCreated { readonly attempt: number; readonly notBefore: number }

export const TOPIC_RETRY = 'orders-retry';

interface Pending {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly event: OrderCreated | RetryEvent;
}
/**
 * The record a partition is working on (the head of its queue), its charge attempt, whether
 * that charge is unanswered, and (retry topic) whether it waits to come due or for the
 * broker to take its next attempt.
 */
interface Head extends Pending { attempt: number; awaiting: boolean; lastUnavailable?: boolean; waiting?: 'due' | 'handoff' | 'breaker'; handoff?: RetryEvent; readonly takenAt: number }

interface WorkerState {
  /** Per partition ("topic#p"), the records waiting, in order; the first is in hand. */
  readonly queues: Map<string, Pending[]>;
  /** The in-hand record of each order, by order id (answers find their partition here). */
  readonly heads: Map<string, Head>;
  /** Variant `breaker`: this worker's circuit breaker around payment calls (volatile, as in-process breakers are). */
  readonly breaker: CircuitBreaker | undefined;
}

type Tick = { type: 'charge-timeout'; key: string; attempt: number } | { type: 'retry-charge'; key: string; attempt: number } | { type: 'retry-due'; key: string } | { type: 'breaker-wait'; key: string } | { type: 'charge-again'; key: string; attempt: number };

const partitionKey = (topic: string, partition: number) => `${topic}#${partition}`;

/** Moves an order with a version check (optimistic locking); false when it was not in `from`. */
function move(ctx: Context, orderId: string, from: readonly string[], to: string): boolean {
  const o = ctx.store.get<Order>('orders', orderId);
  if (o === undefined || !from.includes(o.status)) return false;
  return ctx.store.putIfVersion<Order>('orders', orderId, o.version, { ...o, status: to, version: o.version + 1 });
}

export function paymentWorker(p: OrderParams): Behaviour<WorkerState, RuntimeMessage | Charged | Tick> {
  const retryTopic = p.variant === 'retry-topic';
  const withBreaker = p.variant === 'breaker';
  const fixed = p.variant === 'fixed' || retryTopic || withBreaker;
  const markKey = (e: OrderCreated) => `${e.eventId}|${p.workerId}`;
  const mark = (ctx: Context, e: OrderCreated) => ctx.store.put('processed_events', markKey(e), { eventId: e.eventId, workerId: p.workerId });

  const charge = (ctx: Context, h: Head, s: WorkerState) => {
    const b = s.breaker;
    if (b !== undefined && !b.tryAcquirePermission(ctx.now())) {
      // Open: no call (fail fast); the event keeps its attempts and waits for the breaker.
      h.waiting = 'breaker';
      ctx.count('orders.callsNotPermitted');
      ctx.setTimer(Math.max(1, b.permittedInMs(ctx.now())), { type: 'breaker-wait', key: h.event.orderId });
      return;
    }
    h.awaiting = true;
    ctx.send('payment-service', { type: 'charge', key: h.event.orderId, amount: h.event.amount, attempt: h.attempt, replyTo: ctx.ref(ctx.selfName) } satisfies Charge);
    ctx.setTimer(p.chargeTimeoutMs, { type: 'charge-timeout', key: h.event.orderId, attempt: h.attempt });
  };

  /** The record is done: its offset is committed, and the partition's next record is taken up. */
  const finish = (s: WorkerState, ctx: Context, h: Head) => {
    s.heads.delete(h.event.orderId);
    ctx.observe('eventHandling', ctx.now() - h.takenAt);
    ctx.commit(h.topic, h.partition, h.offset + 1);
    const q = s.queues.get(partitionKey(h.topic, h.partition));
    q?.shift();
    next(s, ctx, h.topic, h.partition);
    // A record of this order on another partition (its retry, or the event redelivered) may have waited for it.
    for (const waiting of s.queues.values()) if (waiting.length > 0 && !s.heads.has(waiting[0].event.orderId)) next(s, ctx, waiting[0].topic, waiting[0].partition);
  };

  /** Takes up the first waiting record of a partition, unless one is in hand. */
  const next = (s: WorkerState, ctx: Context, topic: string, partition: number) => {
    const q = s.queues.get(partitionKey(topic, partition));
    if (q === undefined || q.length === 0) return;
    const h: Head = { ...q[0], attempt: 'attempt' in q[0].event ? q[0].event.attempt : 1, awaiting: false, takenAt: ctx.now() };
    if (s.heads.has(h.event.orderId)) return; // this order's event is already in hand (a redelivery behind it waits)
    const e = h.event;
    if (ctx.store.has('processed_events', markKey(e))) {
      ctx.count('orders.duplicatesSkipped');
      s.heads.set(e.orderId, h);
      finish(s, ctx, h);
      return;
    }
    const o = ctx.store.get<Order>('orders', e.orderId);
    if (o !== undefined && (o.status === 'PAID' || o.status === 'FAILED')) {
      // Another member finished it (a rebalance gave the event to two of them), or the event came twice.
      ctx.count('orders.duplicatesSkipped');
      if (fixed) mark(ctx, e);
      s.heads.set(e.orderId, h);
      finish(s, ctx, h);
      return;
    }
    // The seed's bug: the event is marked processed before the payment is called.
    if (!fixed) mark(ctx, e);
    move(ctx, e.orderId, ['CREATED'], 'PAYMENT_PENDING');
    s.heads.set(e.orderId, h);
    const dueIn = 'notBefore' in e ? e.notBefore - ctx.now() : 0;
    if (dueIn > 0) {
      // A retry not yet due: its partition waits (the retry topic's records come due in about the order they were written).
      h.waiting = 'due';
      ctx.setTimer(dueIn, { type: 'retry-due', key: e.orderId });
      return;
    }
    charge(ctx, h, s);
  };

  /** The head of `key` was waiting (for the breaker, or to come due): its charge goes out now. */
  const resume = (s: WorkerState, ctx: Context, key: string, waitingFor: 'breaker' | 'due') => {
    const h = s.heads.get(key);
    if (h === undefined || h.waiting !== waitingFor) return;
    h.waiting = undefined;
    charge(ctx, h, s);
  };

  const declined = (s: WorkerState, ctx: Context, h: Head) => {
    h.awaiting = false;
    if (h.attempt < p.maxAttempts) {
      ctx.count('orders.chargeRetries');
      const delayMs = p.retryDelayMs * (1 + ctx.random());
      if (retryTopic) {
        // The next attempt goes to the retry topic; this record is done once the broker has it.
        const { eventId, orderId, amount } = h.event;
        h.waiting = 'handoff';
        h.handoff = { eventId, orderId, amount, attempt: h.attempt + 1, notBefore: ctx.now() + delayMs };
        ctx.produce(TOPIC_RETRY, orderId, h.handoff, orderId);
        return;
      }
      ctx.setTimer(delayMs, { type: 'retry-charge', key: h.event.orderId, attempt: h.attempt + 1 });
      return;
    }
    ctx.store.put<DeadLetter>('dead_letter_events', h.event.eventId, {
      eventId: h.event.eventId, orderId: h.event.orderId, payload: h.event, reason: h.lastUnavailable === true ? `payment failed ${h.attempt} times (last: the payment service was unavailable)` : `payment declined ${h.attempt} times`, attempts: h.attempt, failedAtMs: ctx.now(),
    });
    move(ctx, h.event.orderId, ['PAYMENT_PENDING', 'CREATED'], 'FAILED');
    if (fixed) mark(ctx, h.event);
    finish(s, ctx, h);
  };

  return {
    init: (ctx) => ({
      queues: new Map(),
      heads: new Map(),
      breaker: withBreaker ? new CircuitBreaker(p.breaker, (to) => {
        if (to === 'OPEN') ctx.count('orders.breakerOpened');
        ctx.gauge(`breaker.${ctx.selfName}`, BREAKER_LEVEL[to]);
      }) : undefined,
    }),
    receive(s, m, ctx) {
      switch (m.type) {
        case '$assigned':
          // A new assignment: what was in hand is another member's now, or comes again from the committed offsets.
          s.queues.clear();
          s.heads.clear();
          return s;
        case '$records': {
          const k = partitionKey(m.topic, m.partition);
          let q = s.queues.get(k);
          if (q === undefined) s.queues.set(k, (q = []));
          const idle = q.length === 0;
          for (const r of m.records) q.push({ topic: m.topic, partition: m.partition, offset: r.offset, event: r.value as OrderCreated });
          if (idle) next(s, ctx, m.topic, m.partition);
          return s;
        }
        case 'charged': {
          // Every answer tells the breaker whether the service works, a late one too (its probe is then accounted for).
          if (m.unavailable === true) {
            ctx.count('orders.chargesUnavailable');
            s.breaker?.onError(ctx.now());
          } else s.breaker?.onSuccess(ctx.now());
          const h = s.heads.get(m.key);
          if (h === undefined || h.attempt !== m.attempt || !h.awaiting) return s; // a late or repeated answer
          if (m.unavailable === true && s.breaker !== undefined) {
            // A failure, not a decline: the same attempt is made again after the delay (or when the breaker lets it).
            h.awaiting = false;
            ctx.setTimer(p.retryDelayMs * (1 + ctx.random()), { type: 'charge-again', key: m.key, attempt: h.attempt });
            return s;
          }
          h.lastUnavailable = m.unavailable === true;
          if (!m.approved) {
            declined(s, ctx, h);
            return s;
          }
          move(ctx, m.key, ['PAYMENT_PENDING', 'CREATED'], 'PAID');
          if (fixed) mark(ctx, h.event);
          finish(s, ctx, h);
          return s;
        }
        case 'charge-timeout': {
          // No answer: the same attempt again (the payment service answers a repeat from its record).
          const h = s.heads.get(m.key);
          if (h !== undefined && h.attempt === m.attempt && h.awaiting) {
            s.breaker?.onError(ctx.now());
            charge(ctx, h, s);
          }
          return s;
        }
        case 'charge-again': {
          const h = s.heads.get(m.key);
          if (h !== undefined && h.attempt === m.attempt && !h.awaiting && h.waiting === undefined) charge(ctx, h, s);
          return s;
        }
        case 'breaker-wait':
          resume(s, ctx, m.key, 'breaker');
          return s;
        case 'retry-due':
          resume(s, ctx, m.key, 'due');
          return s;
        case '$produced':
          // The broker has the next attempt: the declined record is done.
          for (const t of m.tokens) {
            const h = s.heads.get(t as string);
            if (h?.waiting === 'handoff') finish(s, ctx, h);
          }
          return s;
        case '$produceFailed':
          // Not taken in time: hand it off again (a copy that did land is a duplicate the retry path tolerates).
          for (const t of m.tokens) {
            const h = s.heads.get(t as string);
            if (h?.waiting === 'handoff' && h.handoff !== undefined) ctx.produce(TOPIC_RETRY, h.event.orderId, h.handoff, h.event.orderId);
          }
          return s;
        case 'retry-charge': {
          const h = s.heads.get(m.key);
          if (h === undefined || h.attempt !== m.attempt - 1 || h.awaiting) return s;
          h.attempt = m.attempt;
          charge(ctx, h, s);
          return s;
        }
        default:
          return s;
      }
    },
  };
}
