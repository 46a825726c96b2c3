import { describe, expect, it } from 'vitest';
import { refundInvariants } from '../scenarios/refunds/invariants.js';
import { mergeByName } from '../checks/types.js';
import type { LedgerRow, RefundRow } from '../scenarios/refunds/model.js';
import { observed } from './helpers/observed.js';

// Ledger bugs the bundled variants do not produce, fed to the refund checks directly.
function world() {
  const w = observed(refundInvariants({ fundsPerType: 1000 }));
  w.store('lock-service').put('locks', 'refund-type-0', { token: 1, holder: 0, requestId: 1, expiresAt: 1e9, released: false });
  w.commit('lock-service');
  w.store('rms').put<RefundRow>('refunds', 'rf-1', { key: 'rf-1', refundType: 0, amount: 10, status: 'DISBURSED', requestedAt: 0, reason: undefined });
  w.commit('rms');
  w.store('cs').put('documents', 'rf-1', { refundId: 'rf-1', amount: 10, requestedAt: 0 });
  w.commit('cs');
  const row = (refundId: string, status: LedgerRow['status']): LedgerRow => ({ refundId, status, amount: 10, refundType: 0, lock: 'refund-type-0', token: 1 });
  const ds = w.store('ds');
  return { ds, commit: () => w.commit('ds'), row, failed: () => mergeByName(w.check()).filter((i) => !i.ok) };
}

describe('refund checks on ledgers the variants do not produce', () => {
  it('a ledger keyed by something other than refundId that disburses twice is caught', () => {
    const w = world();
    w.ds.put('ledger', 'batch-1/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('ledger', 'batch-2/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 980);
    w.commit();
    const double = w.failed().find((i) => i.name === 'no-double-effect')!;
    expect(double.examples.some((e) => e.key === 'rf-1' && /2 disbursements/.test(e.message))).toBe(true);
  });

  it('one disbursement under another key is not a double effect', () => {
    const w = world();
    w.ds.put('ledger', 'batch-1/rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 990);
    w.commit();
    expect(w.failed().map((i) => i.name)).not.toContain('no-double-effect');
  });

  it('a disbursement overwritten with FAILED, or deleted, is caught as it commits', () => {
    for (const after of ['overwrite', 'delete'] as const) {
      const w = world();
      w.ds.put('ledger', 'rf-1', w.row('rf-1', 'DISBURSED'));
      w.ds.put('budget', 0, 990);
      w.commit();
      if (after === 'overwrite') w.ds.put('ledger', 'rf-1', w.row('rf-1', 'FAILED'));
      else w.ds.delete('ledger', 'rf-1');
      w.commit();
      expect(w.failed().map((i) => i.name), after).toContain('no-double-effect');
    }
  });

  it('money that leaves the budget without a disbursement is caught', () => {
    const w = world();
    w.ds.put('ledger', 'rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 985);
    w.commit();
    expect(w.failed().find((i) => i.name === 'no-double-effect')!.examples[0].message).toMatch(/money not conserved/);
  });

  it('the same history, written correctly, passes', () => {
    const w = world();
    w.ds.put('ledger', 'rf-1', w.row('rf-1', 'DISBURSED'));
    w.ds.put('budget', 0, 990);
    w.commit();
    expect(w.failed()).toEqual([]);
  });
});
