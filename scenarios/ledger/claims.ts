// seeds/003's event-store claims, measured: snapshots bound what a rebuild replays, and the
// state rebuilt from a snapshot plus its tail is the state a full replay gives.
import type { ClaimDecl } from '../../harness/scenario.js';
import type { RunResult } from '../../reports/run-result.js';

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const replayed = (r: RunResult) => r.metrics.latencyMs.eventsReplayed;
const held = (r: RunResult, name: string) => r.invariants.find((i) => i.name === name)?.ok === true;

export const LEDGER_CLAIMS: readonly ClaimDecl[] = [
  {
    claim: 'snapshots every 1,000 events: a rebuild replays the tail after the latest snapshot, not the whole history',
    measure(h) {
      const load = { count: Math.round(4_000 * h.scale) };
      const snap = h.run(load);
      const full = h.run({ ...load, snapshotEvery: 0 });
      return {
        measured: `with snapshots: at most ${replayed(snap).max} events replayed a rebuild (p50 ${replayed(snap).p50}), rebuild p99 ${ms(snap.metrics.latencyMs.replay.p99)}, response p99 ${ms(snap.metrics.latencyMs.response.p99)}, ${snap.metrics.throughputPerSec} commands/s; without: up to ${replayed(full).max} (p50 ${replayed(full).p50}), rebuild p99 ${ms(full.metrics.latencyMs.replay.p99)}, response p99 ${ms(full.metrics.latencyMs.response.p99)}, ${full.metrics.throughputPerSec} commands/s`,
        verdict: replayed(snap).max < 1_000 && replayed(full).max > 1_000 && snap.metrics.latencyMs.response.p99 < full.metrics.latencyMs.response.p99 ? 'PASS' : 'FAIL',
        how: '2 accounts, 4,000 commands at 2/s (2,000 events an account), 0.5 ms an event replayed (the seed: 10,000 in 5 s); then --param snapshotEvery=0',
      };
    },
  },
  {
    claim: 'state rebuilt from a snapshot plus the events after it equals a full replay, under faults',
    measure(h) {
      const calm = h.run({ count: Math.round(4_000 * h.scale) });
      const chaos = h.run({ count: Math.round(4_000 * h.scale) }, h.preset('chaos'));
      return {
        measured: `every snapshot (${calm.outcomes.snapshots} of them) equals a full replay: ${held(calm, 'snapshot-equals-replay') ? 'yes' : 'NO'}; under the chaos preset (${chaos.faults.filter((f) => f.fired > 0).length} faults fired): ${held(chaos, 'snapshot-equals-replay') ? 'yes' : 'NO'}; streams without gaps, no overdraft, one event per command: ${chaos.ok ? 'yes' : 'NO'}`,
        verdict: held(calm, 'snapshot-equals-replay') && chaos.ok && chaos.faults.some((f) => f.fired > 0) ? 'PASS' : 'FAIL',
        how: 'the checker replays every stream in full with the service\'s own fold and compares each snapshot; faultline run ledger --faults chaos',
      };
    },
  },
];
