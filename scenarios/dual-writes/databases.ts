// One of the three databases: a write inserts the row under its write id (so a retry is
// harmless), a compensation deletes it and leaves a tombstone, and a write that comes after
// its compensation (a retry still in flight, a message the network held back) is refused
// rather than bringing the row back. The outage parameters take one database down or slow.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import type { Database, DualWritesParams } from './params.js';

export type DbWrite = { type: 'db-write'; writeId: string; data: number; callId: string; replyTo: number };
export type DbDelete = { type: 'db-delete'; writeId: string; callId: string; replyTo: number };
/** 'ok'; 'compensated' (a tombstone refused the write); or an HTTP-like failure status. */
export type DbResult = { type: 'db-result'; callId: string; writeId: string; status: 'ok' | 'compensated' | 503 };
type Later = { type: 'answer-later'; answer: DbResult; replyTo: number };

export interface CopyRow { readonly writeId: string; readonly data: number; readonly at: number }
export interface TombstoneRow { readonly writeId: string; readonly at: number; readonly rowAt?: number }

export function database(db: Database, p: DualWritesParams): Behaviour<null, DbWrite | DbDelete | Later | RuntimeMessage> {
  const affected = db === p.outageDb && p.outageMs > 0;
  const tombstones = p.variant !== 'no-tombstone';
  // The not-idempotent variant inserts a new row per call: a retry writes the thing twice.
  const rowKey = (m: DbWrite) => (p.variant === 'not-idempotent' ? m.callId : m.writeId);
  return {
    init: () => null,
    receive(s, m, ctx) {
      if (m.type === 'answer-later') {
        ctx.send(m.replyTo, m.answer);
        return s;
      }
      if (m.type !== 'db-write' && m.type !== 'db-delete') return s;
      const now = ctx.now();
      const out = affected && now >= p.outageAtMs && now < p.outageAtMs + p.outageMs;
      const answer = (status: DbResult['status']) => {
        const a: DbResult = { type: 'db-result', callId: m.callId, writeId: m.writeId, status };
        if (out && p.outageKind === 'slow') ctx.setTimer(p.slowFactor * 5, { type: 'answer-later', answer: a, replyTo: m.replyTo } satisfies Later);
        else ctx.send(m.replyTo, a);
      };
      if (out && p.outageKind === 'down') {
        ctx.count(`${db}.unavailable`);
        answer(503);
        return s;
      }
      if (m.type === 'db-write') {
        if (tombstones && ctx.store.has('tombstones', m.writeId)) {
          answer('compensated');
          return s;
        }
        if (ctx.store.insertIfAbsent<CopyRow>('rows', rowKey(m), { writeId: m.writeId, data: m.data, at: now })) ctx.count(`${db}.rows`);
        answer('ok');
        return s;
      }
      // A compensation: the row goes; the tombstone stays and says when its row was written.
      const row = ctx.store.get<CopyRow>('rows', m.writeId);
      if (row !== undefined) ctx.store.delete('rows', m.writeId);
      // DELETE ... WHERE writeId = ?: the not-idempotent variant's rows are keyed otherwise.
      if (p.variant === 'not-idempotent') for (const [k, r] of ctx.store.scan<CopyRow>('rows', Number.MAX_SAFE_INTEGER)) if (r.writeId === m.writeId) ctx.store.delete('rows', k);
      if (tombstones) ctx.store.insertIfAbsent<TombstoneRow>('tombstones', m.writeId, { writeId: m.writeId, at: now, ...(row ? { rowAt: row.at } : {}) });
      answer('ok');
      return s;
    },
  };
}
