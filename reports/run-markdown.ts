// Markdown rendering of a run result (pure).
import { clockOf, type RunResult } from './run-result.js';
import { measureRows, outcomeRows } from './summary-table.js';

const n = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });

export function renderRunMarkdown(r: RunResult): string {
  const m = r.metrics;
  const out = [
    `# ${r.scenario}, seed ${r.seed}`,
    '',
    `${r.ok ? 'Every invariant held.' : '**An invariant failed.**'} History \`${r.historyHash}\`, ${n(r.sim.events)} ${clockOf(r) === 'wall' ? 'messages handled' : 'events'}, ${n(r.sim.virtualMs)} ${clockOf(r)} ms.`,
    '',
    '| invariant | held | violations |', '|---|---|---|',
    ...r.invariants.map((i) => `| ${i.name} | ${i.ok ? 'yes' : '**NO**'} | ${i.violations} |`),
  ];
  const outcomes = outcomeRows(r);
  if (outcomes.length > 0) out.push('', '| outcome | count |', '|---|---|', ...outcomes.map(([k, v]) => `| ${k} | ${n(v)} |`));
  if (r.faults.length > 0) {
    out.push('', '| fault | target | fired |', '|---|---|---|');
    for (const { kind, fired, ...rest } of r.faults) out.push(`| ${String(kind)} | ${Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ')} | ${fired > 0 ? fired : '**never**'} |`);
  }
  out.push('', `| latency (${clockOf(r)} ms) | count | p50 | p99 | p99.9 | max |`, '|---|---|---|---|---|---|');
  for (const [k, s] of Object.entries(m.latencyMs)) if (m.histogramUnits[k] === 'ms') out.push(`| ${k}${k === m.headline ? ' (headline)' : ''} | ${n(s.count)} | ${n(s.p50)} | ${n(s.p99)} | ${n(s.p999)} | ${n(s.max)} |`);
  out.push('', '| measure | value |', '|---|---|', ...measureRows(r).map(([k, v]) => `| ${k} | ${v} |`));
  for (const i of r.invariants) for (const v of i.examples) out.push('', `**${v.invariant}** \`${v.key}\`: ${v.message}`, ...(v.trace ? ['', '```', ...v.trace, '```'] : []));
  return out.join('\n') + '\n';
}
