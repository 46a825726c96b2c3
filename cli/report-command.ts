// `faultline report RESULT.json [--html FILE] [--md FILE]`: renders a saved run or
// capacity result (as `--json` printed it). Without --html/--md, the terminal summary.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { renderCapacityHtml, renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { renderCapacityMarkdown, renderCapacityTerminal } from '../reports/capacity-render.js';
import type { RunResult } from '../reports/run-result.js';
import type { CapacityResult } from '../reports/capacity.js';
import { EXIT, UsageError } from './usage-error.js';

export async function reportCommand(args: { file: string; html?: string; md?: string }): Promise<number> {
  if (!existsSync(args.file)) throw new UsageError(`no result file at ${args.file}.`);
  let data: { kind?: unknown; schemaVersion?: unknown };
  try {
    data = JSON.parse(readFileSync(args.file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${args.file} is not readable JSON (save one with --json): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (data.schemaVersion !== 1 || (data.kind !== 'run' && data.kind !== 'capacity')) {
    throw new UsageError(`${args.file} is not a faultline run or capacity result (schemaVersion 1, kind "run" or "capacity"); save one with "faultline run … --json > FILE".`);
  }
  if (data.kind === 'run') {
    const r = data as unknown as RunResult;
    if (args.html !== undefined) writeFileSync(args.html, await renderRunHtml(r));
    if (args.md !== undefined) writeFileSync(args.md, renderRunMarkdown(r));
    if (args.html === undefined && args.md === undefined) process.stdout.write(renderRunSummary(r, process.stdout.isTTY === true) + '\n');
  } else {
    const c = data as unknown as CapacityResult;
    if (args.html !== undefined) writeFileSync(args.html, await renderCapacityHtml(c));
    if (args.md !== undefined) writeFileSync(args.md, renderCapacityMarkdown(c));
    if (args.html === undefined && args.md === undefined) process.stdout.write(renderCapacityTerminal(c, process.stdout.isTTY === true) + '\n');
  }
  return EXIT.ok;
}
