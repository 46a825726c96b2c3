// `faultline report RESULT.json [--html FILE] [--md FILE]`: renders a saved run or
// capacity result (as `--json` printed it). Without --html/--md, the terminal summary.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { renderCapacityHtml, renderRunHtml } from '../reports/html.js';
import { renderRunMarkdown } from '../reports/run-markdown.js';
import { renderRunSummary } from '../reports/summary-table.js';
import { renderCapacityMarkdown, renderCapacityTerminal } from '../reports/capacity-render.js';
import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../reports/run-result.js';
import { CAPACITY_SCHEMA_VERSION, type CapacityResult } from '../reports/capacity.js';
import { EXIT, UsageError } from './usage-error.js';

export async function reportCommand(a: Record<string, unknown>): Promise<number> {
  const file = String(a.file);
  const html = a.html as string | undefined;
  const md = a.md as string | undefined;
  if (!existsSync(file)) throw new UsageError(`no result file at ${file}.`);
  let data: { kind?: unknown; schemaVersion?: unknown };
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not readable JSON (save one with --json): ${err instanceof Error ? err.message : String(err)}`);
  }
  const version = data.kind === 'run' ? RUN_RESULT_SCHEMA_VERSION : data.kind === 'capacity' ? CAPACITY_SCHEMA_VERSION : undefined;
  if (version === undefined) throw new UsageError(`${file} is not a faultline run or capacity result (kind "run" or "capacity"); save one with "faultline run … --json > FILE".`);
  if (data.schemaVersion !== version) throw new UsageError(`${file} is a ${String(data.kind)} result of schema version ${String(data.schemaVersion)}; this faultline renders version ${version}: run it again to save a current one.`);
  if (data.kind === 'run') {
    const r = data as unknown as RunResult;
    if (html !== undefined) writeFileSync(html, await renderRunHtml(r));
    if (md !== undefined) writeFileSync(md, renderRunMarkdown(r));
    if (html === undefined && md === undefined) process.stdout.write(renderRunSummary(r, process.stdout.isTTY === true) + '\n');
  } else {
    const c = data as unknown as CapacityResult;
    if (html !== undefined) writeFileSync(html, await renderCapacityHtml(c));
    if (md !== undefined) writeFileSync(md, renderCapacityMarkdown(c));
    if (html === undefined && md === undefined) process.stdout.write(renderCapacityTerminal(c, process.stdout.isTTY === true) + '\n');
  }
  return EXIT.ok;
}
