// The sink of seeds/004 (a warehouse table, BigQuery in the seed), written one micro-batch
// at a time. Correct: a batch is written once, by its id (Spark's foreachBatch made
// idempotent: the rows and the batch's id in one transaction, a repeat answered without
// writing). `non-idempotent-sink` appends whatever it is sent: a batch sent again (the job
// restarted before its checkpoint, or the answer was lost) lands twice.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { PaymentEvent } from './intake.js';

export interface SinkRow { readonly txId: string; readonly amount: number; readonly eventTime: number; readonly batchId: number }
export type WriteBatch = { type: 'write-batch'; batchId: number; items: readonly PaymentEvent[]; replyTo: number };
export type BatchWritten = { type: 'batch-written'; batchId: number };

export const SINK_TABLE = 'payment_transactions';

export function warehouse(variant: string): Behaviour<null, WriteBatch | RuntimeMessage> {
  const idempotent = variant !== 'non-idempotent-sink';
  return {
    init: () => null,
    receive(s, m, ctx) {
      if (m.type !== 'write-batch') return s;
      const store = ctx.store;
      const fresh = idempotent ? store.insertIfAbsent('batches', m.batchId, { rows: m.items.length, at: ctx.now() }) : true;
      if (fresh) {
        // Rows are numbered as they land (a replayed batch is skipped whole, so the numbers stay dense).
        let seq = store.get<number>('$rows', 'seq') ?? 0;
        for (const e of m.items) {
          store.put<SinkRow>(SINK_TABLE, ++seq, { txId: e.txId, amount: e.amount, eventTime: e.eventTime, batchId: m.batchId });
          ctx.observe('endToEnd', ctx.now() - e.ingestedAt);
        }
        store.put('$rows', 'seq', seq);
        ctx.count('payments.written', m.items.length);
      } else ctx.count('sink.batchesRepeated');
      ctx.send(m.replyTo, { type: 'batch-written', batchId: m.batchId } satisfies BatchWritten);
      return s;
    },
  };
}
