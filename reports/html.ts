// Self-contained HTML reports: tables and charts as inline SVG, no script, no network.
// A pure function of a result object (plus chart rendering, which is deterministic).
import type { TopLevelSpec } from 'vega-lite';
import { clockOf, type RunResult } from './run-result.js';
import type { CapacityResult } from './capacity.js';
import { capacityCurveSpec, gaugesSpec, latencyCurveSpec, latencySpectrumSpec, renderSvg, sweptParamSpec, timelineSpec } from './charts.js';
import { capacityColumns, reasons } from './capacity-render.js';
import { seriesName } from './capacity.js';
import { measureRows, outcomeRows } from './summary-table.js';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number | null | undefined, d = 3) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d }));

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

async function figures(specs: readonly (TopLevelSpec | undefined)[]): Promise<string> {
  const out: string[] = [];
  for (const s of specs) if (s !== undefined) out.push(`<figure class="chart">${await renderSvg(s)}</figure>`);
  return out.join('\n');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.bad{color:#b00020;font-weight:600}.ok{color:#1b7f3b;font-weight:600}
figure.chart{margin:1.5rem 0}
</style></head><body>
${body}
</body></html>
`;
}

export async function renderRunHtml(r: RunResult): Promise<string> {
  const m = r.metrics;
  const outcomes = outcomeRows(r);
  const body = [
    `<h1>${esc(r.scenario)} — seed ${r.seed}</h1>`,
    `<p class="${r.ok ? 'ok' : 'bad'}">${r.ok ? 'Every invariant held.' : 'An invariant failed.'} History ${esc(r.historyHash)}; ${num(r.sim.events, 0)} ${clockOf(r) === 'wall' ? 'messages handled' : 'events'} over ${num(r.sim.virtualMs, 0)} ${clockOf(r)} ms.</p>`,
    '<h2>Invariants</h2>',
    table(['invariant', 'held', 'violations', 'what it means'], r.invariants.map((i) => [i.name, i.ok ? 'yes' : 'NO', i.violations, i.description])),
    ...(outcomes.length > 0 ? ['<h2>Outcomes</h2>', table(['outcome', 'count'], outcomes)] : []),
    ...(r.faults.length > 0 ? ['<h2>Faults</h2>', table(['fault', 'target', 'fired'], r.faults.map(({ kind, fired, ...rest }) => [kind, Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' '), fired > 0 ? fired : 'NEVER FIRED']))] : []),
    '<h2>Latency</h2>',
    table(['histogram', 'count', 'p50', 'p99', 'p99.9', 'max'], Object.entries(m.latencyMs).filter(([k]) => m.histogramUnits[k] === 'ms').map(([k, s]) => [k === m.headline ? `${k} (headline)` : k, s.count, num(s.p50), num(s.p99), num(s.p999), num(s.max)])),
    '<h2>Measures</h2>',
    table(['measure', 'value'], measureRows(r)),
    await figures([latencySpectrumSpec(r), timelineSpec(r), gaugesSpec(r)]),
    ...r.invariants.flatMap((i) => i.examples.map((v) => `<h3 class="bad">${esc(v.invariant)}: ${esc(v.key)}</h3><p>${esc(v.message)}</p>${v.trace ? `<pre>${esc(v.trace.join('\n'))}</pre>` : ''}`)),
  ];
  return page(`faultline ${r.scenario} seed ${r.seed}`, body.join('\n'));
}

export async function renderCapacityHtml(c: CapacityResult): Promise<string> {
  const cols = capacityColumns(c);
  const body = [
    `<h1>Capacity: ${esc(c.scenario)}</h1>`,
    `<p>Seed ${c.seed}; each point offers its rate for ${c.durationSec} virtual seconds, open loop. Thresholds: ${esc(c.thresholds.join(', ') || 'none')}.</p>`,
    `<ul>${c.knees.map((k) => `<li>knee <b>${esc(seriesName(k))}</b>: ${k.ratePerSec === null ? '<span class="bad">no swept rate held</span>' : `${k.allHeld ? 'at least ' : ''}${num(k.ratePerSec, 0)} ${esc(c.unit.plural)}/s offered`}</li>`).join('')}</ul>`,
    ...(c.claims !== undefined
      ? ['<h2>Claims, measured</h2>', table(['claim', 'verdict', 'measured', 'how'], c.claims.map((x) => [x.claim, x.verdict, x.measured, x.how]))]
      : []),
    await figures([capacityCurveSpec(c), latencyCurveSpec(c), sweptParamSpec(c)]),
    table([...cols.map((x) => x.head), 'why not'], c.points.map((p) => [...cols.map((x) => x.cell(p)), p.holds ? '' : reasons(p).join('; ')])),
  ];
  return page(`faultline capacity ${c.scenario}`, body.join('\n'));
}
