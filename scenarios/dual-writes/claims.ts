// seeds/003's dual-write claims, measured: after one database's outage heals the databases
// agree (each write everywhere, or compensated everywhere), and how long they disagreed
// about a write is bounded by the retrier's budget and the outage; without compensation
// they do not agree; under the chaos preset they still do.
import type { ClaimDecl } from '../../harness/scenario.js';
import type { RunResult } from '../../reports/run-result.js';

const s = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
const agreed = (r: RunResult) => r.invariants.find((i) => i.name === 'databases-agree')?.ok === true;
const disagreements = (r: RunResult) => r.invariants.find((i) => i.name === 'databases-agree')?.violations ?? 0;
const c = (r: RunResult, name: string) => r.metrics.counters[name] ?? 0;

export const DUAL_WRITES_CLAIMS: readonly ClaimDecl[] = [
  {
    claim: 'after one database is down for 8 s, every write is in all three databases or compensated in all three; the inconsistency window is bounded',
    measure(h) {
      const r = h.run({ count: Math.round(3_000 * h.scale) });
      const w = r.metrics.latencyMs.inconsistency;
      return {
        measured: `${c(r, 'writes.committed')} writes committed at once, ${c(r, 'writes.accepted')} accepted with MongoDB behind (its breaker opened ${c(r, 'breaker.mongodb.OPEN')} times); the retrier repaired ${c(r, 'retrier.repaired')} and compensated ${r.outcomes.compensated} (dead letters ${r.outcomes.deadLetters}); the databases agree: ${agreed(r) ? 'yes' : 'NO'}; inconsistency window p50 ${s(w.p50)}, p99 ${s(w.p99)}, max ${s(w.max)}`,
        verdict: agreed(r) && c(r, 'retrier.repaired') > 0 && (r.outcomes.compensated ?? 0) > 0 && w.max < 8_000 + 2 * 5_000 ? 'PASS' : 'FAIL',
        how: '100 writes/s for 30 s, MongoDB down from 10 s to 18 s (--param outageDb=mongodb --param outageMs=8000); retries from 200 ms doubling, 5 attempts, then compensation; the window runs from a write\'s first database to its last (or to its last delete)',
      };
    },
  },
  {
    claim: 'without compensation, a write whose retries are spent stays in some databases and not others',
    measure(h) {
      const load = { count: Math.round(3_000 * h.scale) };
      const bug = h.run({ ...load, variant: 'no-compensation' });
      const fix = h.run(load);
      return {
        measured: `no-compensation: ${disagreements(bug)} writes held by two databases and dead-lettered; with compensation: ${disagreements(fix)}`,
        verdict: disagreements(bug) > 0 && agreed(fix) ? 'PASS' : 'FAIL',
        how: 'the same outage; --variant no-compensation dead-letters without deleting',
      };
    },
  },
  {
    claim: 'under crashes, lost answers, duplicates and broker faults the databases still agree',
    measure(h) {
      const chaos = h.run({ count: Math.round(3_000 * h.scale) }, h.preset('chaos'));
      const fired = chaos.faults.filter((f) => f.fired > 0).length;
      return {
        measured: `${fired} faults fired; the databases agree: ${agreed(chaos) ? 'yes' : 'NO'} (repaired ${c(chaos, 'retrier.repaired')}, compensated ${chaos.outcomes.compensated})`,
        verdict: agreed(chaos) && fired > 0 ? 'PASS' : 'FAIL',
        how: 'faultline run dual-writes --faults chaos',
      };
    },
  },
];
