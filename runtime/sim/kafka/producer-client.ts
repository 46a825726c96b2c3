// The Kafka producer a service actor uses in the simulator. One request in flight
// per partition (max.in.flight.requests.per.connection=1), so records produced while
// a request is out accumulate into the next batch, as linger does. A request whose
// acknowledgement does not arrive within the request timeout is sent again with the
// same sequence: an idempotent producer's retry is dropped by the partition, a plain
// producer's retry is appended twice. A request not acknowledged within the delivery
// timeout (Kafka's delivery.timeout.ms) fails, with every record waiting behind it for
// that partition: the behaviour hears of it in a `$produceFailed` message. The producer's state is volatile: records not
// yet acknowledged are lost with the actor, and a restarted actor gets a new producer id.
import type { ProduceResponse } from './protocol.js';
import { partitionForKey } from './partitioner.js';
import type { SimActor, Simulation, SimTopic } from '../kernel.js';

/** An acknowledgement the runtime itself waits for (a dead letter): never shown to the behaviour. */
export class RuntimeAck {
  constructor(readonly onAck: () => void, readonly onFail: () => void) {}
}

/** Hands runtime acks to their callbacks and the rest, if any, to the behaviour as `type`. */
function settle(sim: Simulation, host: SimActor, type: '$produced' | '$produceFailed', tokens: readonly unknown[]): void {
  let mine: unknown[] | undefined;
  for (const t of tokens) {
    if (t instanceof RuntimeAck) (type === '$produced' ? t.onAck : t.onFail)();
    else (mine ??= []).push(t);
  }
  if (mine !== undefined) sim.enqueueLocal(host, { type, tokens: mine });
}

interface InFlight {
  readonly request: {
    type: 'produce'; replyTo: number; requestId: number; producerId: number; seqBase: number;
    keys: string[]; values: unknown[]; acks: 1 | -1;
  };
  readonly tokens: unknown[];
  sentUs: number;
  readonly firstSentUs: number;
}

interface PartitionProducer {
  readonly ref: number;
  seq: number;
  inFlight: InFlight | null;
  keys: string[];
  values: unknown[];
  tokens: unknown[];
}

export class SimProducer {
  private readonly producerId: number;
  private readonly byTopic = new Map<string, PartitionProducer[]>();
  private readonly dirty: PartitionProducer[] = [];
  private watchdogArmed = false;

  /** acks=all (-1) or acks=1: see ActorSpec.acks. */
  private readonly acks: 1 | -1;

  constructor(private readonly sim: Simulation, private readonly host: SimActor, idempotent: boolean, acks: 1 | 'all' = 'all') {
    this.producerId = idempotent ? sim.allocateProducerId() : -1;
    this.acks = acks === 1 ? 1 : -1;
  }

  private partitionsOf(topic: string): PartitionProducer[] {
    let ps = this.byTopic.get(topic);
    if (ps === undefined) {
      const t: SimTopic = this.sim.topic(topic);
      ps = t.partitionRefs.map((ref) => ({ ref, seq: 0, inFlight: null, keys: [], values: [], tokens: [] }));
      this.byTopic.set(topic, ps);
    }
    return ps;
  }

  /** Records not yet acknowledged (in flight or waiting for a request of their own). */
  get hasUnacknowledged(): boolean {
    for (const ps of this.byTopic.values()) for (const p of ps) if (p.inFlight !== null || p.keys.length > 0) return true;
    return false;
  }

  produce(topic: string, key: string, value: unknown, token: unknown): void {
    const ps = this.partitionsOf(topic);
    const p = ps[partitionForKey(key, ps.length)];
    if (p.keys.length === 0 && p.inFlight === null) this.dirty.push(p);
    p.keys.push(key);
    p.values.push(value);
    if (token !== undefined) p.tokens.push(token);
  }

  /** Sends what the last message produced, one request per idle partition. */
  flush(): void {
    for (const p of this.dirty) this.send(p);
    this.dirty.length = 0;
  }

  private send(p: PartitionProducer): void {
    if (p.inFlight !== null || p.keys.length === 0) return;
    const request = {
      type: 'produce' as const, replyTo: this.host.id, requestId: this.sim.clientRequestId(),
      producerId: this.producerId, seqBase: p.seq, keys: p.keys, values: p.values, acks: this.acks,
    };
    p.seq += p.keys.length;
    p.inFlight = { request, tokens: p.tokens, sentUs: this.sim.nowUsExact, firstSentUs: this.sim.nowUsExact };
    p.keys = [];
    p.values = [];
    p.tokens = [];
    this.sim.sendRaw(p.ref, request, this.host.id);
    this.armWatchdog();
  }

  onResponse(r: ProduceResponse): void {
    const ps = this.byTopic.get(r.topic);
    const p = ps?.[r.partition];
    if (p === undefined || p.inFlight === null || p.inFlight.request.requestId !== r.requestId) return;
    const tokens = p.inFlight.tokens;
    p.inFlight = null;
    if (tokens.length > 0) settle(this.sim, this.host, '$produced', tokens);
    this.send(p);
  }

  /** One timer per producer while requests are in flight, rather than one per request. */
  private armWatchdog(): void {
    if (this.watchdogArmed) return;
    this.watchdogArmed = true;
    const timeoutUs = this.sim.kafka.requestTimeoutMs * 1000;
    const deliveryUs = this.sim.kafka.deliveryTimeoutMs * 1000;
    this.sim.afterFor(this.host, timeoutUs, () => {
      this.watchdogArmed = false;
      const now = this.sim.nowUsExact;
      let pending = false;
      const failed: unknown[] = [];
      for (const ps of this.byTopic.values()) {
        for (const p of ps) {
          if (p.inFlight === null) continue;
          if (now - p.inFlight.firstSentUs >= deliveryUs) {
            this.sim.metrics.count('kafka.produceFailures');
            failed.push(...p.inFlight.tokens, ...p.tokens);
            p.inFlight = null;
            p.keys = [];
            p.values = [];
            p.tokens = [];
            continue;
          }
          pending = true;
          if (now - p.inFlight.sentUs >= timeoutUs) {
            this.sim.metrics.count('kafka.produceRetries');
            p.inFlight.sentUs = now;
            this.sim.sendRaw(p.ref, p.inFlight.request, this.host.id);
          }
        }
      }
      if (failed.length > 0) settle(this.sim, this.host, '$produceFailed', failed);
      if (pending) this.armWatchdog();
    });
  }
}
