import { describe, expect, it } from 'vitest';
import { SimStore } from '../runtime/sim/store.js';
import { RefundTable } from '../scenarios/refunds/tables.js';

const row = (status: string) => ({ key: 'rf-1', refundType: 1, amount: 10, status, requestedAt: 0, reason: undefined });

describe('SimStore write log', () => {
  it('records the row a write replaced, also when the behaviour read it first', () => {
    for (const dense of [false, true]) {
      const s = new SimStore('rms');
      if (dense) s.useTable('refunds', new RefundTable());
      s.put('refunds', 'rf-1', row('PENDING'));
      s.commit();
      const read = s.get<{ status: string }>('refunds', 'rf-1')!;
      s.put('refunds', 'rf-1', { ...row('DISBURSED') });
      s.delete('refunds', 'rf-1');
      const w = s.commit();
      expect(read.status).toBe('PENDING');
      expect(w.map((x) => [(x.prev as { status: string } | undefined)?.status, (x.next as { status: string } | undefined)?.status])).toEqual([['PENDING', 'DISBURSED'], ['DISBURSED', undefined]]);
    }
  });

  it('does not hand out a remembered read after the table was changed from outside or rolled back', () => {
    const s = new SimStore('rms');
    s.useTable('refunds', new RefundTable());
    s.put('refunds', 'rf-1', row('PENDING'));
    s.commit();
    s.get('refunds', 'rf-1');
    s.table('refunds').set('rf-1', row('DEAD_LETTERED')); // a live refresh writes the mirror directly
    s.put('refunds', 'rf-1', row('DISBURSED'));
    expect((s.commit()[0].prev as { status: string }).status).toBe('DEAD_LETTERED');

    s.put('refunds', 'rf-1', row('REJECTED')); // not committed
    s.get('refunds', 'rf-1'); // remembers the uncommitted row
    s.rollback();
    s.put('refunds', 'rf-1', row('PENDING'));
    expect((s.commit()[0].prev as { status: string }).status).toBe('DISBURSED');
  });
});
