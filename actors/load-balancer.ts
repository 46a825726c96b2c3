// A load balancer in front of a service's instances (pods): forwards each message as it
// is, `replyTo` and all, so the instance answers the caller directly. Round robin by
// default, or by a hash of the message's key (sticky sessions). It holds no state worth
// keeping: a restart starts the rotation again.
import type { Behaviour, RuntimeMessage } from '../runtime/contract.js';

export interface LoadBalancerOptions {
  /** The instances, by actor name. */
  readonly targets: readonly string[];
  /** 'round-robin' (default) or 'key-hash': the same `key` always to the same instance. */
  readonly pick?: 'round-robin' | 'key-hash';
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function loadBalancer(o: LoadBalancerOptions): Behaviour<{ next: number }, RuntimeMessage | { type: string; key?: unknown }> {
  if (o.targets.length === 0) throw new Error('loadBalancer: give it at least one target');
  return {
    init: () => ({ next: 0 }),
    receive(s, m, ctx) {
      if (m.type.startsWith('$')) return s;
      const key = (m as { key?: unknown }).key;
      const i = o.pick === 'key-hash' && typeof key === 'string' ? hash(key) % o.targets.length : s.next++ % o.targets.length;
      ctx.send(o.targets[i], m);
      return s;
    },
  };
}
