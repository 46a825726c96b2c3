// CS as a 2PC participant: votes yes to a refund it can document, writes the
// document on commit (keyed by refundId, once).
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { DocumentRow } from '../refunds/model.js';
import type { Decide, Prepare } from './messages.js';

export function cs2pcBehaviour(): Behaviour<null, Prepare | Decide | RuntimeMessage> {
  return {
    init: () => null,
    receive(s, msg, ctx) {
      if (msg.type === 'prepare') ctx.send(msg.replyTo, { type: 'vote', txId: msg.txId, from: 'cs', yes: true });
      else if (msg.type === 'commit' || msg.type === 'abort') {
        if (msg.type === 'commit') {
          const e = msg.refund;
          ctx.store.insertIfAbsent<DocumentRow>('documents', e.refundId, { refundId: e.refundId, amount: e.amount, requestedAt: e.requestedAt });
        }
        ctx.send(msg.replyTo, { type: 'done', txId: msg.txId, from: 'cs' });
      }
      return s;
    },
  };
}
