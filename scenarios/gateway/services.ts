// The services behind the gateway: user and payment answer reads; transaction creates a
// transaction per create it is sent (no idempotency key: the seed's services have none, so
// a create must never be sent twice) and answers reads. The transaction service can be down
// (503 at once) or slow for a while, by parameters, so that claims see the same outage.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { GatewayParams, Route } from './params.js';

/** `admission`: the gateway's record of letting the request through (its row in table `admitted`). */
export type ServiceCall = { type: 'call'; route: Route; method: 'GET' | 'POST'; key: string; admission: string; callId: string; replyTo: number };
export type ServiceResult = { type: 'service-result'; callId: string; status: number };
type Later = { type: 'answer-later'; replyTo: number; callId: string };

export interface TransactionRow { readonly request: string; readonly status: 'CREATED' }

export function service(route: Route, p: GatewayParams): Behaviour<null, ServiceCall | Later | RuntimeMessage> {
  const affected = route === p.outageRoute && p.outageMs > 0;
  return {
    init: () => null,
    receive(s, m, ctx) {
      if (m.type === 'answer-later') {
        ctx.send(m.replyTo, { type: 'service-result', callId: m.callId, status: 200 } satisfies ServiceResult);
        return s;
      }
      if (m.type !== 'call') return s;
      const now = ctx.now();
      // What reached this service, by the gateway's admission (retries of a read are one).
      ctx.store.insertIfAbsent('received', m.admission, { request: m.key });
      const out = affected && now >= p.outageAtMs && now < p.outageAtMs + p.outageMs;
      if (out && p.outageKind === 'down') {
        ctx.send(m.replyTo, { type: 'service-result', callId: m.callId, status: 503 } satisfies ServiceResult);
        return s;
      }
      // One transaction per create this service is sent, under the call's own id.
      if (route === 'transaction' && m.method === 'POST') ctx.store.put<TransactionRow>('transactions', m.callId, { request: m.key, status: 'CREATED' });
      if (out) ctx.setTimer(p.serviceMs * p.slowFactor, { type: 'answer-later', replyTo: m.replyTo, callId: m.callId } satisfies Later);
      else ctx.send(m.replyTo, { type: 'service-result', callId: m.callId, status: 200 } satisfies ServiceResult);
      return s;
    },
  };
}
