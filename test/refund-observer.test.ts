import { describe, expect, it } from 'vitest';
import { RefundObserver } from '../checks/refund-observer.js';
import { checkRefundInvariants } from '../checks/refund-invariants.js';
import { Metrics } from '../runtime/sim/metrics.js';
import { SimStore } from '../runtime/sim/store.js';
import type { LedgerRow, RefundRow } from '../actors/refunds/model.js';

// Ledger bugs the bundled variants do not produce, fed to the checkers directly.
const STORES = { rms: 'rms', ds: 'ds', cs: 'cs', locks: 'lock-service' };

function world() {
  const observer = new RefundObserver(new Metrics(), STORES);
  const rms = new SimStore('rms');
  const ds = new SimStore('ds');
  const cs = new SimStore('cs');
  const locks = new SimStore('lock-service');
  const commit = (s: SimStore) => observer.onCommit(s.name, s.commit(), 0);
  locks.put('locks', 'refund-type-0', { token: 1, holder: 0, requestId: 1, expiresAt: 1e9, released: false });
  commit(locks);
  const row = (refundId: string, status: LedgerRow['status']): LedgerRow => ({ refundId, status, amount: 10, refundType: 0, lock: 'refund-type-0', token: 1 });
  rms.put<RefundRow>('refunds', 'rf-1', { key: 'rf-1', refundType: 0, amount: 10, status: 'PENDING', requestedAt: 0 });
  commit(rms);
  rms.put<RefundRow>('refunds', 'rf-1', { key: 'rf-1', refundType: 0, amount: 10, status: 'DISBURSED', requestedAt: 0 });
  commit(rms);
  cs.put('documents', 'rf-1', { refundId: 'rf-1', amount: 10, requestedAt: 0 });
  commit(cs);
  const check = () => checkRefundInvariants({
    rms, ds, cs, dlq: [], observer, answered: () => true, requests: 1,
    indexOfKey: (k) => Number(k.slice(3)), logicalKeyOf: (k) => k, fundsPerType: 1000,
  });
  return { ds, commit, row, check };
}

const failedNames = (r: ReturnType<ReturnType<typeof world>['check']>) => r.filter((i) => !i.ok).map((i) => i.name);

describe('refund checkers on ledgers the variants do not produce', () => {
  it('a ledger keyed by something other than refundId that disburses twice is caught', () => {
    const w = world();
    w.ds.put('ledger', 'batch-1/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('ledger', 'batch-2/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 980);
    w.commit(w.ds);
    const r = w.check();
    expect(failedNames(r)).toContain('no-double-effect');
    expect(r[0].examples.some((e) => e.key === 'rf-1' && /2 times/.test(e.message))).toBe(true);
  });

  it('one disbursement under another key is not a double effect', () => {
    const w = world();
    w.ds.put('ledger', 'batch-1/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 990);
    w.commit(w.ds);
    expect(failedNames(w.check())).not.toContain('no-double-effect');
  });

  it('a disbursement overwritten with FAILED, or deleted, is caught as it commits', () => {
    for (const after of ['overwrite', 'delete'] as const) {
      const w = world();
      w.ds.put('ledger', 'rf-1', w.row('rf-1', 'DISBURSED'));
      w.ds.put('budget', 0, 990);
      w.commit(w.ds);
      if (after === 'overwrite') w.ds.put('ledger', 'rf-1', w.row('rf-1', 'FAILED'));
      else w.ds.delete('ledger', 'rf-1');
      w.commit(w.ds);
      expect(failedNames(w.check()), after).toContain('no-double-effect');
    }
  });

  it('the same history, written correctly, passes', () => {
    const w = world();
    w.ds.put('ledger', 'rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 990);
    w.commit(w.ds);
    expect(failedNames(w.check())).toEqual([]);
  });
});
