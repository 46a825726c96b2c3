// Chart specifications (Vega-Lite) drawn from result objects, rendered to SVG by Vega
// in Node: no DOM, no canvas, no network, so an HTML report embeds them as they are.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { clockOf, type RunResult } from './run-result.js';
import { seriesName, type CapacityResult } from './capacity.js';

const WIDTH = 640;
const HEIGHT = 260;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Legends show series names whole (a design and its swept value can be long).
  const view = new vega.View(vega.parse(compile({ ...spec, config: { legend: { labelLimit: 0 } } } as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const PERCENTILES = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

/** Latency by percentile, the x axis in "nines" so the tail gets the room it deserves. */
export function latencySpectrumSpec(r: RunResult): TopLevelSpec | undefined {
  const values: { nines: number; label: string; ms: number; metric: string }[] = [];
  for (const [metric, encoded] of Object.entries(r.histograms)) {
    if (r.metrics.histogramUnits[metric] !== 'ms') continue;
    const h = decodeFromCompressedBase64(encoded);
    if (h.totalCount === 0) continue;
    for (const p of PERCENTILES) {
      const nines = p >= 100 ? 5.5 : -Math.log10(1 - p / 100);
      values.push({ nines, label: `p${p}`, ms: Math.max(0.001, Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000), metric });
    }
  }
  if (values.length === 0) return undefined;
  return {
    width: WIDTH, height: HEIGHT, title: `Latency by percentile (${clockOf(r)} ms)`,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'nines', type: 'quantitative', title: 'percentile (0 = p0, 1 = p90, 2 = p99, 3 = p99.9, …)', scale: { domain: [0, 5.5] } },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
      color: { field: 'metric', type: 'nominal' },
      tooltip: [{ field: 'metric' }, { field: 'label' }, { field: 'ms' }],
    },
  } as TopLevelSpec;
}

/** Fault windows of a run's plan, as [from, to] in ms. */
function faultWindows(r: RunResult): { from: number; to: number; fault: string }[] {
  const out: { from: number; to: number; fault: string }[] = [];
  for (const f of r.faults) {
    const at = f.atMs as number | undefined;
    if (at === undefined || f.fired === 0) continue;
    const span = (f.durationMs as number | undefined) ?? (f.restartAfterMs as number | undefined) ?? 100;
    out.push({ from: at / 1000, to: (at + Math.max(span, 100)) / 1000, fault: `${String(f.kind)} ${String(f.actor ?? f.to ?? f.group ?? f.topic ?? '')}` });
  }
  return out;
}

/** The fault windows as shaded bands, a layer under a chart over time (none when no fault fired at a time). */
function faultLayer(r: RunResult): object[] {
  const windows = faultWindows(r);
  return windows.length > 0
    ? [{ data: { values: windows }, mark: { type: 'rect', color: '#f4a261', opacity: 0.25 }, encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' }, tooltip: [{ field: 'fault' }] } }]
    : [];
}

/** Completions per second and consumer lag over time, fault windows shaded. */
export function timelineSpec(r: RunResult): TopLevelSpec | undefined {
  const t = r.timeline;
  if (t.length < 2) return undefined;
  const rows: { s: number; series: string; value: number }[] = [];
  for (let i = 1; i < t.length; i++) {
    const dt = (t[i].tMs - t[i - 1].tMs) / 1000;
    rows.push({ s: t[i].tMs / 1000, series: `${r.unit.plural} completed per s`, value: dt > 0 ? (t[i].completed - t[i - 1].completed) / dt : 0 });
    rows.push({ s: t[i].tMs / 1000, series: 'requests offered per s', value: dt > 0 ? (t[i].offered - t[i - 1].offered) / dt : 0 });
    rows.push({ s: t[i].tMs / 1000, series: 'backlog', value: t[i].backlog });
  }
  return overTime(r, `Throughput and backlog over ${clockOf(r)} time (faults shaded)`, rows, 'per second / backlog');
}

/** Each gauge a behaviour set (a state's size, a queue's length) over time, fault windows shaded. */
export function gaugesSpec(r: RunResult): TopLevelSpec | undefined {
  // A gauge that kept its path of changes (a breaker's state) is drawn from it, every change
  // in place; the others from the timeline's samples.
  const withPath = Object.entries(r.metrics.gauges ?? {}).filter(([, g]) => g.path !== undefined && g.path.length > 0);
  const drawn = new Set(withPath.map(([k]) => k));
  const endS = (r.timeline[r.timeline.length - 1]?.tMs ?? 0) / 1000;
  const rows = [
    ...r.timeline.flatMap((p) => Object.entries(p.gauges ?? {}).filter(([series]) => !drawn.has(series)).map(([series, value]) => ({ s: p.tMs / 1000, series, value }))),
    ...withPath.flatMap(([series, g]) => [...g.path!.map(([t, value]) => ({ s: t / 1000, series, value })), { s: Math.max(endS, g.path![g.path!.length - 1][0] / 1000), series, value: g.last }]),
  ];
  if (rows.length < 2) return undefined;
  return overTime(r, `Gauges over ${clockOf(r)} time (faults shaded; levels step at each change)`, rows, 'level', 'step-after');
}

/** Lines of named series over the run's time, on its fault windows. */
function overTime(r: RunResult, title: string, rows: readonly { s: number; series: string; value: number }[], yTitle: string, interpolate?: 'step-after'): TopLevelSpec {
  return {
    width: WIDTH, height: HEIGHT, title,
    layer: [
      ...faultLayer(r),
      {
        data: { values: rows },
        mark: { type: 'line', ...(interpolate !== undefined ? { interpolate } : {}) },
        encoding: {
          x: { field: 's', type: 'quantitative', title: `${clockOf(r)} seconds` },
          y: { field: 'value', type: 'quantitative', title: yTitle },
          color: { field: 'series', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Throughput against offered rate per design (and swept value), points that held filled, knees marked. */
export function capacityCurveSpec(c: CapacityResult): TopLevelSpec {
  const points = c.points.map((p) => ({ offered: p.ratePerSec, throughput: p.throughputPerSec, series: seriesName(p), holds: p.holds ? 'holds' : 'does not hold' }));
  const knees = c.knees.filter((k) => k.ratePerSec !== null).map((k) => ({ offered: k.ratePerSec, series: seriesName(k), label: `knee ${k.ratePerSec}/s` }));
  return {
    width: WIDTH, height: HEIGHT, title: `Capacity: ${c.unit.plural} completed against offered load (knee marked)`,
    layer: [
      { data: { values: points }, mark: { type: 'line' }, encoding: { x: { field: 'offered', type: 'quantitative', title: 'offered requests / s' }, y: { field: 'throughput', type: 'quantitative', title: `${c.unit.plural} completed / s` }, color: { field: 'series', type: 'nominal' } } },
      { data: { values: points }, mark: { type: 'point', size: 80 }, encoding: { x: { field: 'offered', type: 'quantitative' }, y: { field: 'throughput', type: 'quantitative' }, color: { field: 'series', type: 'nominal' }, shape: { field: 'holds', type: 'nominal' }, tooltip: [{ field: 'series' }, { field: 'offered' }, { field: 'throughput' }, { field: 'holds' }] } },
      ...(knees.length > 0 ? [{ data: { values: knees }, mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { field: 'offered', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } } }] : []),
    ],
  } as TopLevelSpec;
}

/** p99 of the declared latencies against offered rate, per design: where each design's latency bends. */
export function latencyCurveSpec(c: CapacityResult): TopLevelSpec | undefined {
  const values = c.points.flatMap((p) => [p.headline ?? c.headline, ...c.latencies]
    .filter((m): m is string => m !== null && p.latencyMs[m] !== undefined)
    .map((m) => ({ offered: p.ratePerSec, ms: Math.max(0.001, p.latencyMs[m].p99), series: `${seriesName(p)} ${m} p99` })));
  if (values.length === 0) return undefined;
  return {
    width: WIDTH, height: HEIGHT, title: 'p99 latency against offered load (virtual ms, log scale)',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: { x: { field: 'offered', type: 'quantitative', title: 'offered requests / s' }, y: { field: 'ms', type: 'quantitative', scale: { type: 'log' } }, color: { field: 'series', type: 'nominal' } },
  } as TopLevelSpec;
}

/** What a swept parameter buys: each derived figure and the p99s, by its value (at the lowest swept rate). */
export function sweptParamSpec(c: CapacityResult): TopLevelSpec | undefined {
  if (c.sweep === null || c.sweep.values.length < 2) return undefined;
  const rate = Math.min(...c.points.map((p) => p.ratePerSec));
  const at = c.points.filter((p) => p.ratePerSec === rate && p.design === c.points[0].design && p.param !== null);
  const values = at.flatMap((p) => [
    ...Object.entries(p.derived).map(([name, value]) => ({ value: String(p.param!.value), measure: name, v: value })),
    ...[p.headline ?? c.headline, ...c.latencies].filter((m): m is string => m !== null && p.latencyMs[m] !== undefined)
      .map((m) => ({ value: String(p.param!.value), measure: `${m} p99 (ms)`, v: p.latencyMs[m].p99 })),
  ]);
  if (values.length === 0) return undefined;
  return {
    title: `What ${c.sweep.param} buys (${c.points[0].design} at ${rate} requests/s)`,
    data: { values },
    facet: { column: { field: 'measure', type: 'nominal', title: null } },
    spec: { width: 220, height: 200, mark: 'bar', encoding: { x: { field: 'value', type: 'ordinal', sort: null, title: c.sweep.param }, y: { field: 'v', type: 'quantitative', title: null } } },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
