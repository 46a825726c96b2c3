// Renderings of a capacity result: the terminal table and Markdown. Pure functions; the
// columns come from what the scenario declared (its headline latency, its other
// latencies, its derived figures) and its unit.
import Table from 'cli-table3';
import { COMPLETED_SHARE_MIN, SHED_SHARE_MAX, seriesName, type CapacityResult, type SweepPoint } from './capacity.js';

const f = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));

/** Columns of the point table, each with its heading and cell. */
export function capacityColumns(r: CapacityResult): { head: string; cell(p: SweepPoint): string }[] {
  const derivedNames = [...new Set(r.points.flatMap((p) => Object.keys(p.derived)))];
  const cols: { head: string; cell(p: SweepPoint): string }[] = [
    { head: 'design', cell: (p) => seriesName(p) },
    { head: 'offered/s', cell: (p) => f(p.ratePerSec, 0) },
    { head: 'holds', cell: (p) => (p.holds ? 'yes' : 'NO') },
    { head: `${r.unit.plural}/s`, cell: (p) => f(p.throughputPerSec) },
  ];
  if (r.headline !== null) cols.push({ head: `${r.headline} p99 ms`, cell: (p) => f(p.latencyMs[p.headline ?? r.headline!]?.p99, 3) });
  for (const l of r.latencies) cols.push({ head: `${l} p99 ms`, cell: (p) => f(p.latencyMs[l]?.p99, 0) });
  cols.push(
    { head: 'backlog max', cell: (p) => f(p.backlogMax, 0) },
    { head: 'drain ms', cell: (p) => f(p.drainMs, 0) },
    { head: 'served', cell: (p) => `${f(p.completedShare * 100, 2)}%` },
  );
  for (const d of derivedNames) cols.push({ head: d, cell: (p) => f(p.derived[d], 5) });
  return cols;
}

function kneeLines(r: CapacityResult): string[] {
  return r.knees.map((k) => `knee ${seriesName(k)}: ${k.ratePerSec === null ? 'no swept rate held' : `${k.allHeld ? 'at least ' : ''}${f(k.ratePerSec, 0)} ${r.unit.plural}/s offered${k.allHeld ? ' (every swept rate held: sweep higher to find it)' : ''}`}`);
}

export function renderCapacityTerminal(r: CapacityResult, color = false): string {
  const cols = capacityColumns(r);
  const style = color ? {} : { head: [] as string[], border: [] as string[] };
  const t = new Table({ head: cols.map((c) => c.head), style });
  for (const p of r.points) t.push(cols.map((c) => c.cell(p)));
  const claims: string[] = [];
  if (r.claims !== undefined) {
    const c = new Table({ head: ['claim', 'verdict', 'measured'], style, colWidths: [40, 9, 70], wordWrap: true });
    for (const x of r.claims) c.push([x.claim, x.verdict, x.measured]);
    claims.push(c.toString());
  }
  const why = r.points.filter((p) => !p.holds).map((p) => `${seriesName(p)} @ ${p.ratePerSec}/s: ${reasons(p).join('; ')}`);
  return [t.toString(), ...kneeLines(r), ...(why.length > 0 ? ['not holding:', ...why.map((w) => `    ${w}`)] : []), ...claims].join('\n');
}

/** Why a point does not hold, in words. */
export function reasons(p: SweepPoint): string[] {
  const out: string[] = [];
  if (!p.invariantsOk) {
    const failed = p.failedInvariants ?? [];
    const conditions = ['drained', 'load-finished'];
    const checks = failed.filter((n) => !conditions.includes(n));
    // A run that did not settle was judged on what it left undone: say that first, so an
    // overloaded point does not read as a broken pipeline.
    if (failed.some((n) => conditions.includes(n))) out.push(`did not settle within the run${checks.length > 0 ? ` (${checks.join(', ')} judged on the unsettled state)` : ''}`);
    else out.push(checks.length > 0 ? `${checks.join(', ')} failed` : 'an invariant failed');
  }
  for (const t of p.thresholds) if (!t.ok) out.push(`${t.threshold} (measured ${t.measured === null ? 'nothing' : f(t.measured, 3)})`);
  if (p.keepUp < 0.9) out.push(`completions fell behind arrivals (${f(p.keepUp * 100)}% of the arrival rate; ${f(p.throughputPerSec)}/s completed)`);
  if (p.backlogGrowth > 0.1) out.push(`the backlog grew by ${f(p.backlogGrowth * 100)}% of what arrived meanwhile`);
  else if (!p.backlogBounded) out.push(`took ${f(p.drainMs, 0)} ms to drain after the load`);
  if (p.completedShare < COMPLETED_SHARE_MIN) out.push(`served ${f(p.completedShare * 100, 2)}% of what was offered`);
  if (p.shedShare > SHED_SHARE_MAX) out.push(`shed ${f(p.shedShare * 100, 2)}% of what was offered`);
  return out;
}

export function renderCapacityMarkdown(r: CapacityResult): string {
  const cols = capacityColumns(r);
  const lines = [
    `# Capacity: ${r.scenario}`,
    '',
    `Seed ${r.seed}; each point offers its rate for ${r.durationSec} virtual seconds (open loop, latency from the intended arrival)${r.sweep !== null ? `, for each ${r.sweep.param} of ${r.sweep.values.map((v) => JSON.stringify(v)).join(', ')}` : ''}. ` +
      `Thresholds: ${r.thresholds.length > 0 ? r.thresholds.map((t) => `\`${t}\``).join(', ') : 'none'}. ` +
      `A point holds when every invariant held, every threshold passed, completions kept up with arrivals (>= 90% of the arrival rate, the backlog growing by <= 10% of arrivals) and it drained soon after the load, >= ${COMPLETED_SHARE_MIN * 100}% of what was offered completed and <= ${SHED_SHARE_MAX * 100}% was shed.`,
    '',
    ...kneeLines(r).map((l) => `- ${l}`),
    '',
    `| ${cols.map((c) => c.head).join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...r.points.map((p) => `| ${cols.map((c) => c.cell(p)).join(' | ')} |`),
  ];
  if (r.claims !== undefined) {
    lines.push('', '## Claims, measured', '', '| claim | verdict | measured | how |', '|---|---|---|---|');
    for (const c of r.claims) lines.push(`| ${c.claim} | **${c.verdict}** | ${c.measured} | ${c.how} |`);
  }
  const not = r.points.filter((p) => !p.holds);
  if (not.length > 0) lines.push('', '## Points that did not hold', '', ...not.map((p) => `- ${seriesName(p)} at ${f(p.ratePerSec, 0)}/s: ${reasons(p).join('; ')}`));
  return lines.join('\n') + '\n';
}
