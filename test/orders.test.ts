// seeds/002 as the seed built it: the search finds its documented bug unaided, shrinks it
// to one fault and shows the skipped redelivery; the fix holds.
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../harness/check.js';
import { runScenario } from '../harness/run.js';
import type { Scenario } from '../harness/scenario.js';
import orders from '../scenarios/orders/index.js';

const scenario = orders as unknown as Scenario<any>;

describe('orders (seeds/002)', () => {
  it('runs the seed\'s design by default, and names its fix', () => {
    expect(scenario.defaults.variant).toBe('as-seeded');
    expect(scenario.fixedBy).toBe('fixed');
    const r = runScenario(scenario, { seed: 1, overrides: { count: 200 }, traceViolations: false });
    expect(r.ok).toBe(true);
    // ~70% approved per attempt, three attempts: about 2.7% end FAILED, each with its dead letter.
    expect(r.outcomes['orders.PAID']).toBeGreaterThan(180);
    expect(r.outcomes['orders.FAILED']).toBeGreaterThan(0);
  });

  it('check finds the documented bug unaided: one crash, the order stuck in PAYMENT_PENDING, the redelivery skipped', async () => {
    const r = await checkScenario(scenario, { runs: 300, seed: 1, overrides: {} });
    expect(r.ok).toBe(false);
    const c = r.counterexample!;
    expect(c.candidate.faults).toHaveLength(1);
    expect(c.candidate.faults[0]).toMatchObject({ kind: 'crash' });
    expect(c.message).toMatch(/still PAYMENT_PENDING after the drain/);
    // The trace: the event marked processed, the crash, the record delivered again, and nothing written after it.
    const marked = c.trace.findIndex((l) => /processed_events\[/.test(l));
    const crash = c.trace.findIndex((l) => /FAULT crash/.test(l));
    const again = c.trace.findIndex((l, i) => i > crash && /<- \$records/.test(l));
    expect(marked).toBeGreaterThanOrEqual(0);
    expect(crash).toBeGreaterThan(marked);
    expect(again).toBeGreaterThan(crash);
    expect(c.trace.slice(again).some((l) => /orders-db\.orders\[/.test(l))).toBe(false);
  });

  it('the fix holds under the same search, and the seed\'s design holds with no fault', async () => {
    const fixed = await checkScenario(scenario, { runs: 300, seed: 1, overrides: { variant: 'fixed' } });
    expect(fixed.ok).toBe(true);
    expect(fixed.faultKinds.crash.fired).toBeGreaterThan(50);
    expect(runScenario(scenario, { seed: 2, overrides: { count: 100 }, faults: [], traceViolations: false }).ok).toBe(true);
  });

  it('a rebalance that gives one event to two workers is kept safe by optimistic locking (a redeliver, checked)', () => {
    const faults = [{ kind: 'redeliver' as const, group: 'payment-workers', atMs: 20_000 }, { kind: 'redeliver' as const, group: 'payment-workers', atMs: 40_000 }];
    const r = runScenario(scenario, { seed: 3, overrides: { variant: 'fixed', count: 300 }, faults, traceViolations: false });
    expect(r.faults.every((f) => f.fired === 1)).toBe(true);
    expect(r.ok).toBe(true);
    expect(r.invariants.find((i) => i.name === 'order-versions-increase')?.ok).toBe(true);
  });
});

describe('a commit between a rejoin and the behaviour\'s $assigned (found by a 2,000-run search of orders --variant fixed)', () => {
  it('goes out for the generation the behaviour knows, and cannot move the new owner\'s offsets back', async () => {
    // A worker paused across two rebalances finishes an old charge after its client rejoined:
    // stamped with the new generation, its commit moved a partition's offset behind work done.
    const { checkPlan, runCandidate } = await import('../harness/check.js');
    const plan = checkPlan(scenario, { variant: 'fixed' });
    const r = runCandidate(scenario, plan, {
      seed: 331467534, workload: { approvalRate: 0.3 },
      faults: [
        { kind: 'pause', actor: 'payment-worker-1', atMs: 2902, durationMs: 3611 },
        { kind: 'pause', actor: 'payment-worker-1', atMs: 1911, durationMs: 980 },
        { kind: 'redeliver', group: 'payment-workers', atMs: 822 },
        { kind: 'outage', topic: 'orders', partition: 0, atMs: 2230, durationMs: 3772 },
      ],
    });
    expect(r.invariants.filter((i) => !i.ok).map((i) => i.examples[0]?.message)).toEqual([]);
  });
});

describe('the seed\'s claims, measured on its design', () => {
  it('the API is fast and no event is lost, but its dedup strands orders under rebalances; dead letters come after the last attempt', async () => {
    const { measureClaims } = await import('../harness/claims.js');
    const claims = measureClaims(scenario, 1, 0.5);
    expect(claims.map((c) => c.verdict)).toEqual(['PASS', 'PASS', 'FAIL', 'PASS', 'PASS', 'PASS']);
    expect(claims[4].measured).toMatch(/synchronous retries complete [\d.]+\/s \(\d+% of arrivals, the backlog growing\), a retry topic/);
    expect(claims[5].measured).toMatch(/^a 15 s outage: [1-9]\d* more orders FAILED .* With a breaker \(variant breaker\): 0 more FAILED/);
    expect(claims[2].measured).toMatch(/stranded in PAYMENT_PENDING/);
    // The fix, measured the same way: duplicate detection holds too.
    const fixed = { ...scenario, parse: (o: Record<string, unknown>) => scenario.parse({ variant: 'fixed', ...o }) } as Scenario<any>;
    expect(measureClaims(fixed, 1, 0.5).slice(0, 4).map((c) => c.verdict)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  });
});

describe('the seed\'s production alternatives, as sound variants', () => {
  it('retry-topic and breaker are alternatives, not bugs, and hold under the search (the breaker through an outage)', async () => {
    expect(scenario.alternatives).toEqual(['retry-topic', 'breaker']);
    const topic = await checkScenario(scenario, { runs: 300, seed: 2, overrides: { variant: 'retry-topic' } });
    expect(topic.counterexample?.message).toBeUndefined();
    const guarded = await checkScenario(scenario, { runs: 300, seed: 2, overrides: { variant: 'breaker', paymentOutageMs: 2_000 } });
    expect(guarded.counterexample?.message).toBeUndefined();
    const r = runScenario(scenario, { seed: 1, overrides: { variant: 'breaker', count: 300, paymentOutageAtMs: 20_000, paymentOutageMs: 20_000 }, traceViolations: false });
    expect(r.metrics.counters['orders.breakerOpened']).toBeGreaterThan(0);
    expect(r.metrics.gauges?.['breaker.payment-worker-1'].max).toBe(2);
  });

  it('an outage finds what the seed\'s retry loop does after a rebalance: an order whose charge went through is dead-lettered', async () => {
    // The new owner starts the event over; the payment service, down, cannot tell it the charge was approved.
    const r = await checkScenario(scenario, { runs: 500, seed: 1, overrides: { variant: 'fixed', paymentOutageMs: 2_000 } });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.message).toMatch(/approved charge with no paid order/);
    expect(r.counterexample!.candidate.faults).toHaveLength(1);
  });
});
