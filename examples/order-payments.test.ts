// A user's CI test of their own pipeline with faultline's testing API (vitest). The
// searches are seeded, so a failure here replays exactly; `replay` prints the command.
import { describe, expect, it } from 'vitest';
import { checkScenario, runOnce } from 'faultline/testing';
import orderPayments from './order-payments.js';

describe('order-payments under random faults', () => {
  it('holds every invariant over 300 fault plans, and the search really injected faults', async () => {
    const r = await checkScenario(orderPayments, { runs: 300, seed: 11 });
    expect(r.status, r.status === 'failed' ? `${r.invariant} ${r.key}: ${r.message}\n${r.replay}` : '').toBe('passed');
    expect(r.runs).toBe(300);
    expect(r.coverage.crash.fired).toBeGreaterThan(20);
  });

  it('finds the documented crash window of mark-before-charge, with a plan and a replay command', async () => {
    const r = await checkScenario(orderPayments, { runs: 300, seed: 11, variant: 'mark-before-charge', module: 'examples/order-payments.ts' });
    if (r.status !== 'failed') throw new Error(`the planted bug was not found: ${r.status}`);
    expect(r.invariant).toBe('no-lost-order');
    expect(r.message).toMatch(/still PAYMENT_PENDING/);
    expect(r.plan.some((f) => f.kind === 'crash')).toBe(true);
    // The trace shows the cause: the crash, the dedup mark it left, and the redelivery that skipped the order.
    expect(r.trace.some((l) => l.includes('FAULT crash actor=payments'))).toBe(true);
    expect(r.trace.some((l) => /orders-db\.processed\[order-\d+\/created\]/.test(l))).toBe(true);
    expect(r.trace.filter((l) => l.includes('payments <- $records')).length).toBeGreaterThanOrEqual(2);
    expect(r.plan).toHaveLength(1); // 1-minimal: the crash in the window is all it takes
    expect(r.replay).toMatch(/^faultline replay examples\/order-payments.ts --plan '\{.*\}' --variant mark-before-charge$/);
  });

  it('a rebalance while a charge is in flight does not commit past the order (found by CI\'s random-seed search)', () => {
    // The rebalance redelivers order-1's event while its charge is out; the worker then crashes.
    const r = runOnce(orderPayments, { seed: 0, params: { count: 300 }, faults: [{ kind: 'crash', actor: 'payments', atMs: 26, restartAfterMs: 0 }, { kind: 'redeliver', group: 'payments', atMs: 21 }] });
    expect(r.faults.every((f) => f.fired > 0)).toBe(true);
    expect(r.ok, JSON.stringify(r.invariants.filter((i) => !i.ok))).toBe(true);
  });

  it('one plain run serves what it is offered', () => {
    const r = runOnce(orderPayments, { params: { count: 500 } });
    expect(r.ok).toBe(true);
    expect(r.outcomes['orders.PAID'] + r.outcomes['orders.FAILED']).toBe(500);
  });
});
