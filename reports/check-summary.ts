// The terminal rendering of a check result: a pure function of it.
import Table from 'cli-table3';
import type { CheckResult } from './check-result.js';

export function renderCheckSummary(r: CheckResult, color = false): string {
  const style = color ? {} : { head: [] as string[], border: [] as string[] };
  const out: string[] = [];
  const kinds = new Table({ head: ['fault kind', 'runs planned', 'runs fired'], style });
  for (const [kind, s] of Object.entries(r.faultKinds)) kinds.push([kind, String(s.planned), s.planned > 0 && s.fired === 0 ? '0 (NEVER FIRED)' : String(s.fired)]);
  out.push(kinds.toString());
  out.push(`${r.runs} of ${r.runsPlanned} runs${r.interrupted ? ' (time budget reached)' : ''}, ${r.wall.runsPerSec} runs/s, ${r.workers} worker${r.workers === 1 ? '' : 's'}, ${r.wall.ms} ms`);
  const c = r.counterexample;
  if (c === undefined) {
    out.push(`OK: every invariant held in ${r.runs} runs (seed ${r.seed})`);
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
