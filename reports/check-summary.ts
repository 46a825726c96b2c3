// The terminal rendering of a check result: a pure function of it.
import Table from 'cli-table3';
import type { CheckResult } from './check-result.js';

export function renderCheckSummary(r: CheckResult, color = false): string {
  const style = color ? {} : { head: [] as string[], border: [] as string[] };
  const out: string[] = [];
  const kinds = new Table({ head: ['fault kind', 'runs planned', 'runs fired'], style });
  for (const [kind, s] of Object.entries(r.faultKinds)) kinds.push([kind, String(s.planned), s.planned > 0 && s.fired === 0 ? '0 (NEVER FIRED)' : String(s.fired)]);
  out.push(kinds.toString());
  // Per target, one line per kind: "crash: api@after-commit 40/52, relay@… 0/31 (never)" (runs fired / runs planned).
  const byKind = new Map<string, string[]>();
  for (const [target, s] of Object.entries(r.faultTargets ?? {})) {
    const space = target.indexOf(' ');
    const kind = target.slice(0, space);
    const what = target.slice(space + 1);
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(`${what} ${s.fired}/${s.planned}${s.planned > 0 && s.fired === 0 ? ' (never fired)' : ''}`);
  }
  if (byKind.size > 0) {
    out.push('fault targets (runs fired / runs planned):');
    for (const [kind, items] of byKind) out.push(`  ${kind}: ${items.join(', ')}`);
  }
  if ((r.crashPointsNeverFired ?? []).length > 0) out.push(`declared crash points never crashed in: ${r.crashPointsNeverFired.join(', ')} (more runs, or a workload that reaches them)`);
  const part = r.shard !== undefined ? ` (shard ${r.shard.index}/${r.shard.count}: every ${r.shard.count === 1 ? '' : `${r.shard.count}th `}candidate from #${r.shard.index - 1})` : '';
  out.push(`${r.runs} of ${r.runsPlanned} runs${part}${r.interrupted ? ' (time budget reached)' : ''}, ${r.wall.runsPerSec} runs/s, ${r.workers} worker${r.workers === 1 ? '' : 's'}, ${r.wall.ms} ms`);
  const c = r.counterexample;
  if (c === undefined) {
    out.push(`OK: every invariant held in ${r.runs} runs (seed ${r.seed}${r.shard !== undefined ? `, shard ${r.shard.index}/${r.shard.count}` : ''})`);
    return out.join('\n');
  }
  out.push(`FAILED: invariant ${c.invariant} broken for key ${c.key}: ${c.message}`);
  if (c.faultFree) out.push(`it fails without any fault (workload seed ${c.candidate.seed}, workload ${JSON.stringify(c.candidate.workload)}): the bug needs none`);
  else {
    out.push(`shrunk in ${r.shrinkRuns} runs to ${c.candidate.faults.length} fault(s), each needed (without any one of them the run passes); workload seed ${c.candidate.seed}, workload ${JSON.stringify(c.candidate.workload)}:`);
    for (const f of c.candidate.faults) out.push(`    ${JSON.stringify(f)}`);
  }
  if (c.trace.length > 0) {
    out.push(`trace of ${c.key}:`);
    for (const line of c.trace) out.push(`    ${line}`);
  }
  out.push(`history ${c.historyHash}`);
  out.push(`replay: ${c.replay}`);
  return out.join('\n');
}
