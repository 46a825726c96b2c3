// `faultline describe [scenario]`: what a scenario is (or, without one, the built-ins).
import { builtInScenarioNames, loadScenario } from '../harness/load-scenario.js';
import { describeScenario, type ScenarioDescription } from '../harness/describe.js';
import { EXIT } from './usage-error.js';

const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function render(d: ScenarioDescription): string {
  const out: string[] = [`${d.name}: ${d.description}`, ''];
  const width = Math.max(...d.params.map((p) => p.name.length));
  out.push('parameters (the load\'s by --count/--duration, --rate, --arrival; any by --param key=value):');
  for (const p of d.params) out.push(`  ${p.name.padEnd(width)}  ${value(p.default).padEnd(20)} ${p.type}${p.load ? '  (load)' : ''}`);
  out.push('', 'actors:');
  for (const a of d.actors) {
    out.push(`  ${a.name}: ${a.role}, store ${a.store}${a.consumes ? `, reads ${a.consumes}` : ''}, live: ${a.place}`);
    if (a.crashPoints.length > 0) out.push(`    crash points: ${a.crashPoints.join(', ')}`);
  }
  out.push(`  every actor also crashes at the step boundaries: ${d.stepCrashPoints.join(', ')}`);
  out.push('', 'topics:');
  for (const t of d.topics) out.push(`  ${t.name}: ${t.partitions} partition${t.partitions === 1 ? '' : 's'}${t.retainAll ? ', kept whole' : ''}${t.readBy.length > 0 ? `, read by ${t.readBy.join(', ')}` : ''}`);
  if (d.entities.length > 0) {
    out.push('', 'entities:');
    for (const e of d.entities) out.push(`  ${e.name} in ${e.table}: ${e.transitions}; ends ${e.terminal}`);
  }
  out.push('', 'invariants:');
  for (const i of d.invariants) out.push(`  ${i.name}: ${i.description}`);
  out.push('', `variants (--variant): ${d.variants.length === 0 ? 'none' : ''}${d.defaultVariant !== 'correct' ? ` (by default: ${d.defaultVariant}${d.fixedBy !== undefined ? `, whose documented bug ${d.fixedBy} fixes` : ''})` : ''}`);
  for (const v of d.variants) out.push(`  ${v.name}${d.alternatives.includes(v.name) ? ' (a sound alternative)' : ''}: ${v.description}`);
  out.push('', `fault presets (--faults): ${d.presets.join(', ')}`);
  if (!d.survivesFaults) out.push('survives faults: no (a design kept for comparison: searches of it are expected to fail)');
  out.push('', `metrics: headline ${d.metrics.headline ?? 'none'}${d.metrics.latencies.length > 0 ? `; also ${d.metrics.latencies.join(', ')}` : ''}; unit ${d.metrics.unit}; capacity SLO ${d.metrics.slo ?? 'none'}`);
  if (d.claims.length > 0) out.push('', 'claims (capacity --claims):', ...d.claims.map((c) => `  ${c}`));
  return out.join('\n');
}

export async function describeCommand(a: Record<string, unknown>): Promise<number> {
  if (a.scenario === undefined) {
    const names = builtInScenarioNames();
    const rows = await Promise.all(names.map(async (n) => `  ${n}: ${(await loadScenario(n)).description}`));
    process.stdout.write(a.json === true ? JSON.stringify(names) + '\n' : `built-in scenarios (or give the path of a .ts/.js module):\n${rows.join('\n')}\n`);
    return EXIT.ok;
  }
  const d = describeScenario(await loadScenario(String(a.scenario)));
  process.stdout.write(a.json === true ? JSON.stringify(d) + '\n' : render(d) + '\n');
  return EXIT.ok;
}
