// The terminal rendering of a run result: a pure function of it.
import Table from 'cli-table3';
import { clockOf, type RunResult } from './run-result.js';
import type { ThresholdCheck } from './slo.js';

export const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));

/** Rows of the outcomes table: the load's account, entity states and the scenario's own counts. */
export function outcomeRows(r: RunResult): [string, number][] {
  const rows: [string, number][] = [];
  if (r.load !== null) {
    rows.push(['requests offered', r.load.offered]);
    for (const [outcome, n] of Object.entries(r.load.answers)) rows.push([`answered ${outcome}`, n]);
    if (r.load.gaveUp > 0) rows.push(['callers gave up', r.load.gaveUp]);
    if (r.load.outstanding > 0) rows.push(['unanswered at the end', r.load.outstanding]);
  }
  for (const [k, v] of Object.entries(r.outcomes)) rows.push([k, v]);
  return rows;
}

/** Rows of the measures table: throughput, derived figures, size histograms. */
export function measureRows(r: RunResult): [string, string][] {
  const m = r.metrics;
  const clock = clockOf(r);
  const rows: [string, string][] = [[`throughput (${r.unit.plural} completed / ${clock} s)`, fmt(m.throughputPerSec)]];
  if (m.shed > 0) rows.push([`${r.unit.plural} shed (dead-lettered, refused)`, fmt(m.shed)]);
  for (const [k, v] of Object.entries(m.derived)) rows.push([k, fmt(Number(v.toPrecision(6)))]);
  for (const [k, s] of Object.entries(m.latencyMs)) if (m.histogramUnits[k] === 'count') rows.push([`${k} p50 / p99 / max`, `${fmt(s.p50)} / ${fmt(s.p99)} / ${fmt(s.max)}`]);
  for (const [k, g] of Object.entries(m.gauges ?? {})) rows.push([`${k} last / peak`, `${fmt(g.last)} / ${fmt(g.max)}`]);
  for (const [k, v] of Object.entries(m.counters)) rows.push([k, fmt(v)]);
  return rows;
}

/** `color`: ANSI colours for a terminal; plain text for files and pipes. */
export function renderRunSummary(r: RunResult, color = false): string {
  const out: string[] = [];
  const style = color ? {} : { head: [] as string[], border: [] as string[] };
  const m = r.metrics;

  const outcomes = outcomeRows(r);
  if (outcomes.length > 0) {
    const t = new Table({ head: ['outcome', 'count'], style });
    for (const [k, v] of outcomes) t.push([k, fmt(v)]);
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

  const live = (r as { live?: { runId: string; leftovers?: 'removed' | 'kept' | string[]; serviceLevel?: { ok: boolean; checks: ThresholdCheck[] } } }).live;
  const clock = clockOf(r);
  const lat = new Table({ head: [`latency (${clock} ms)`, 'count', 'p50', 'p99', 'p99.9', 'max'], style });
  for (const [name, s] of Object.entries(m.latencyMs)) {
    if (m.histogramUnits[name] !== 'ms') continue;
    lat.push([name === m.headline ? `${name} (headline)` : name, fmt(s.count), fmt(s.p50), fmt(s.p99), fmt(s.p999), fmt(s.max)]);
  }
  out.push(lat.toString());

  const facts = new Table({ head: ['measure', 'value'], style });
  for (const row of measureRows(r)) facts.push(row);
  facts.push([live !== undefined ? 'run time / messages handled' : 'virtual time / events', `${fmt(r.sim.virtualMs)} ms / ${fmt(r.sim.events)}`]);
  if (live !== undefined) facts.push(['actor restarts / messages lost between processes', `${fmt(r.sim.crashes)} / ${fmt(r.sim.messagesLost)}`]);
  if (live?.leftovers !== undefined) {
    const l = live.leftovers;
    facts.push(["the run's topics, groups and rows", l === 'removed' ? 'removed' : l === 'kept' ? `kept (faultline cleanup ${live.runId} removes them)` : `not all removed: ${l.join('; ')}`]);
  }
  facts.push(['wall time / events per s', `${fmt(r.wall.ms)} ms / ${fmt(r.wall.eventsPerSec)}`]);
  out.push(facts.toString());

  for (const i of r.invariants) {
    for (const v of i.examples) {
      out.push(`VIOLATION ${v.invariant} key=${v.key}: ${v.message}`);
      for (const line of v.trace ?? []) out.push(`    ${line}`);
    }
  }
  for (const e of r.sim.actorErrors) out.push(`ACTOR ERROR at ${e.tMs} ms in ${e.actor}: ${e.message}`);
  const level = live?.serviceLevel;
  for (const c of level?.checks ?? []) if (!c.ok) out.push(`THRESHOLD FAILED: ${c.threshold} (measured ${c.measured ?? 'nothing: no value was recorded'})`);
  const stopped = (r as { live?: { stopped?: string } }).live?.stopped;
  const verdict = stopped !== undefined ? `STOPPED by ${stopped} (not judged)` : !r.ok ? 'FAILED' : level !== undefined && !level.ok ? 'SERVICE LEVEL NOT MET' : 'OK';
  if (live !== undefined && level !== undefined && level.checks.length > 0 && level.ok) out.push(`service level met: ${level.checks.map((c) => c.threshold).join(', ')}`);
  out.push(live !== undefined ? `${verdict}: live run ${live.runId}, seed ${r.seed}` : `${r.ok ? 'OK' : 'FAILED'}: history ${r.historyHash}, seed ${r.seed}`);
  return out.join('\n');
}
