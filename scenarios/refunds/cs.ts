// CS, correspondence (the seed's Flink stage): exactly one confirmation document per
// disbursed refund. The document is keyed by refundId and inserted only if absent,
// so a redelivered or duplicated outcome event makes nothing new.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { RefundParams } from './params.js';
import type { DocumentRow, OutcomeEvent } from './model.js';

export const CS_CRASH_POINTS = ['cs.after-document-before-commit'] as const;

export function csBehaviour(cfg: Pick<RefundParams, 'variant'>): Behaviour<null, RuntimeMessage> {
  return {
    init: () => null,
    crashPoints: CS_CRASH_POINTS,
    receive(state, msg, ctx) {
      if (msg.type !== '$records') return state;
      const store = ctx.store;
      for (const rec of msg.records) {
        const e = rec.value as OutcomeEvent;
        if (e.outcome !== 'DISBURSED' && cfg.variant !== 'cs-documents-failures') continue;
        const doc: DocumentRow = { refundId: e.refundId, amount: e.amount, requestedAt: e.requestedAt };
        if (cfg.variant === 'cs-no-idempotency') {
          const n = (store.get<number>('meta', 'documentSeq') ?? 0) + 1;
          store.put('meta', 'documentSeq', n);
          store.put('documents', `doc-${n}`, doc);
          ctx.observe('endToEnd', ctx.now() - e.requestedAt);
        } else if (store.insertIfAbsent('documents', e.refundId, doc)) ctx.observe('endToEnd', ctx.now() - e.requestedAt);
        else ctx.count('duplicatesSuppressed');
      }
      ctx.crashPoint('cs.after-document-before-commit');
      ctx.commit(msg.topic, msg.partition, msg.records[msg.records.length - 1].offset + 1);
      return state;
    },
  };
}
