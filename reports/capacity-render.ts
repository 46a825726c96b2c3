// Renderings of a capacity result: the terminal table and Markdown. Pure functions.
import Table from 'cli-table3';
import type { CapacityResult, SweepPoint } from './capacity.js';

const f = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));

function row(p: SweepPoint): string[] {
  return [
    p.design, p.batchSizeMax === null ? 'default' : String(p.batchSizeMax), f(p.ratePerSec, 0), p.holds ? 'yes' : 'NO',
    f(p.throughputPerSec), f(p.latencyMs.rmsResponse?.p99, 3), f(p.latencyMs.endToEnd?.p99, 0), f(p.lagMax, 0),
    f(p.drainMs, 0), f(p.lockAcquisitionsPerRefund, 5), `${f(p.completedShare * 100, 2)}%`,
  ];
}

const HEAD = ['design', 'batch', 'offered/s', 'holds', 'throughput/s', 'rms p99 ms', 'e2e p99 ms', 'lag max', 'drain ms', 'locks/refund', 'served'];

function kneeLines(r: CapacityResult): string[] {
  return r.knees.map((k) => `knee ${k.design}${k.batchSizeMax === null ? '' : ` (batch ${k.batchSizeMax})`}: ${k.ratePerSec === null ? 'no swept rate held' : `${f(k.ratePerSec, 0)} refunds/s`}`);
}

export function renderCapacityTerminal(r: CapacityResult, color = false): string {
  const t = new Table({ head: HEAD, style: color ? {} : { head: [], border: [] } });
  for (const p of r.points) t.push(row(p));
  const claims: string[] = [];
  if (r.claims !== undefined) {
    const c = new Table({ head: ['claim (seeds/000)', 'verdict', 'measured'], style: color ? {} : { head: [], border: [] }, colWidths: [40, 9, 70], wordWrap: true });
    for (const x of r.claims) c.push([x.claim, x.verdict, x.measured]);
    claims.push(c.toString());
  }
  const why = r.points.filter((p) => !p.holds).map((p) => `${p.design} @ ${p.ratePerSec}/s: ${reasons(p).join('; ')}`);
  return [t.toString(), ...kneeLines(r), ...(why.length > 0 ? ['not holding:', ...why.map((w) => `    ${w}`)] : []), ...claims].join('\n');
}

/** Why a point does not hold, in words. */
export function reasons(p: SweepPoint): string[] {
  const out: string[] = [];
  if (!p.invariantsOk) out.push('an invariant failed');
  for (const t of p.thresholds) if (!t.ok) out.push(`${t.threshold} (measured ${f(t.measured, 3)})`);
  if (p.keepUp < 0.9) out.push(`completions fell behind arrivals (${f(p.keepUp * 100)}% of the arrival rate; ${f(p.throughputPerSec)}/s completed)`);
  if (p.lagGrowth > 0.1) out.push(`the backlog grew (${f(p.lagGrowth * 100)}% of arrivals)`);
  else if (!p.backlogBounded) out.push(`took ${f(p.drainMs, 0)} ms to drain after the load`);
  if (p.completedShare < 0.99) out.push(`served ${f(p.completedShare * 100, 2)}% of what was offered`);
  if (p.deadLetteredShare > 0.01) out.push(`dead-lettered ${f(p.deadLetteredShare * 100, 2)}% of what was offered`);
  return out;
}

export function renderCapacityMarkdown(r: CapacityResult): string {
  const lines = [
    `# Capacity: ${r.scenario}`,
    '',
    `Seed ${r.seed}; each point offers its rate for ${r.durationSec} virtual seconds (open loop, latency from the intended arrival). ` +
      `Thresholds: ${r.thresholds.length > 0 ? r.thresholds.map((t) => `\`${t}\``).join(', ') : 'none'}. ` +
      'A point holds when every invariant held, every threshold passed, completions kept up with arrivals (>= 90% of the arrival rate, the backlog growing by <= 10% of arrivals) and it drained soon after the load, and >= 99% of what was offered was served.',
    '',
    ...kneeLines(r).map((l) => `- ${l}`),
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...r.points.map((p) => `| ${row(p).join(' | ')} |`),
  ];
  if (r.claims !== undefined) {
    lines.push('', '## Claims (seeds/000), measured', '', '| claim | verdict | measured | how |', '|---|---|---|---|');
    for (const c of r.claims) lines.push(`| ${c.claim} | **${c.verdict}** | ${c.measured} | ${c.how} |`);
  }
  const not = r.points.filter((p) => !p.holds);
  if (not.length > 0) lines.push('', '## Points that did not hold', '', ...not.map((p) => `- ${p.design} at ${f(p.ratePerSec, 0)}/s${p.batchSizeMax === null ? '' : ` (batch ${p.batchSizeMax})`}: ${reasons(p).join('; ')}`));
  return lines.join('\n') + '\n';
}
