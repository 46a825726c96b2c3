// The terminal rendering of a run result: a pure function of it.
import Table from 'cli-table3';
import { clockOf, type RunResult } from './run-result.js';

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));

/** `color`: ANSI colours for a terminal; plain text for files and pipes. */
export function renderRunSummary(r: RunResult, color = false): string {
  const out: string[] = [];
  const style = color ? {} : { head: [] as string[], border: [] as string[] };
  const m = r.metrics as RunResult['metrics'] & { refunds?: Record<string, number>; lockAcquisitionsPerRefund?: number; duplicatesSuppressed?: number; dlq?: number };

  if (m.refunds !== undefined) {
    const t = new Table({ head: ['outcome', 'refunds'], style });
    for (const [k, v] of Object.entries(m.refunds)) t.push([k, fmt(v)]);
    out.push(t.toString());
  }

  const inv = new Table({ head: ['invariant', 'held', 'violations'], style });
  for (const i of r.invariants) inv.push([i.name, i.ok ? 'yes' : 'NO', fmt(i.violations)]);
  out.push(inv.toString());

  if (r.faults.length > 0) {
    const ft = new Table({ head: ['fault', 'target', 'fired'], style });
    for (const f of r.faults) {
      const { kind, fired, ...rest } = f;
      const target = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      ft.push([String(kind), target, fired > 0 ? fmt(fired) : 'NEVER FIRED']);
    }
    out.push(ft.toString());
  }

  const live = (r as { live?: { runId: string } }).live;
  const clock = clockOf(r);
  const lat = new Table({ head: [`latency (${clock} ms)`, 'count', 'p50', 'p99', 'p99.9', 'max'], style });
  for (const [name, s] of Object.entries(m.latencyMs)) {
    if (m.histogramUnits[name] !== 'ms') continue;
    lat.push([name, fmt(s.count), fmt(s.p50), fmt(s.p99), fmt(s.p999), fmt(s.max)]);
  }
  out.push(lat.toString());

  const facts = new Table({ head: ['measure', 'value'], style });
  if (m.refunds !== undefined) facts.push([`throughput (refunds completed / ${clock} s)`, fmt(m.throughputPerSec)]);
  if (m.lockAcquisitionsPerRefund !== undefined) facts.push(['lock acquisitions per disbursed refund', fmt(Number(m.lockAcquisitionsPerRefund.toFixed(5)))]);
  const batch = m.latencyMs.batchSize;
  if (batch !== undefined) facts.push(['batch size p50 / max', `${fmt(batch.p50)} / ${fmt(batch.max)}`]);
  if (m.duplicatesSuppressed !== undefined) facts.push(['duplicates suppressed', fmt(m.duplicatesSuppressed)]);
  if (m.dlq !== undefined) facts.push(['dead-lettered records', fmt(m.dlq)]);
  facts.push([live !== undefined ? 'run time / messages handled' : 'virtual time / events', `${fmt(r.sim.virtualMs)} ms / ${fmt(r.sim.events)}`]);
  if (live !== undefined) facts.push(['actor restarts / messages lost between processes', `${fmt(r.sim.crashes)} / ${fmt(r.sim.messagesLost)}`]);
  facts.push(['wall time / events per s', `${fmt(r.wall.ms)} ms / ${fmt(r.wall.eventsPerSec)}`]);
  out.push(facts.toString());

  for (const i of r.invariants) {
    for (const v of i.examples) {
      out.push(`VIOLATION ${v.invariant} key=${v.key}: ${v.message}`);
      for (const line of v.trace ?? []) out.push(`    ${line}`);
    }
  }
  for (const e of r.sim.actorErrors) out.push(`ACTOR ERROR at ${e.tMs} ms in ${e.actor}: ${e.message}`);
  out.push(live !== undefined ? `${r.ok ? 'OK' : 'FAILED'}: live run ${live.runId}, seed ${r.seed}` : `${r.ok ? 'OK' : 'FAILED'}: history ${r.historyHash}, seed ${r.seed}`);
  return out.join('\n');
}
