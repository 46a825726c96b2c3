// A fault plan from the command line: a preset name of the scenario, a JSON file
// holding an array of faults (or an object with a "faults" array), or that JSON inline.
import { existsSync, readFileSync } from 'node:fs';
import { FAULT_KINDS, schemaOfKind, type FaultPlan } from './plan.js';
import { FaultPlanError } from './inject.js';

/** A scenario's named plans. */
export interface Presets {
  readonly names: readonly string[];
  get(name: string): FaultPlan | undefined;
}

export function loadFaultPlan(arg: string, presets: Presets): FaultPlan {
  const preset = presets.get(arg);
  if (preset !== undefined) return preset;
  const { list, source } = readFaultList(arg, `a preset of this scenario (${presets.names.join(', ') || 'none'})`);
  return parseFaultPlan(list, source);
}

/**
 * The faults `--faults` names when it is not a preset: inline JSON or a JSON file, an
 * array or {"faults": [...]}, not yet validated (the simulator's and the live runtime's
 * kinds differ). `presetsHint` says what else the argument could have been.
 */
export function readFaultList(arg: string, presetsHint: string): { list: unknown; source: string } {
  const faultsOf = (data: unknown) => (Array.isArray(data) ? data : (data as { faults?: unknown })?.faults);
  if (/^\s*[[{]/.test(arg)) {
    try {
      return { list: faultsOf(JSON.parse(arg)), source: 'the inline fault plan' };
    } catch (err) {
      throw new FaultPlanError(`--faults: the inline plan is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!existsSync(arg)) throw new FaultPlanError(`--faults "${arg}" is neither ${presetsHint}, nor a file, nor an inline JSON plan.`);
  try {
    return { list: faultsOf(JSON.parse(readFileSync(arg, 'utf8'))), source: arg };
  } catch (err) {
    throw new FaultPlanError(`fault plan ${arg} is not readable JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Validates a plan; the error names the fault (by index and kind) and the bad field. */
export function parseFaultPlan(data: unknown, source = 'the fault plan'): FaultPlan {
  if (!Array.isArray(data)) throw new FaultPlanError(`${source} must be a JSON array of faults (or {"faults": [...]}).`);
  const plan: FaultPlan = [];
  data.forEach((fault: unknown, index) => {
    const f = (typeof fault === 'object' && fault !== null ? fault : {}) as { kind?: unknown; point?: unknown };
    const schema = schemaOfKind(f);
    if (schema === undefined) {
      throw new FaultPlanError(`${source}: fault #${index} has kind ${JSON.stringify(f.kind ?? null)}; the kinds are ${FAULT_KINDS.join(', ')}.`);
    }
    const parsed = schema.safeParse(fault);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'its fields';
      throw new FaultPlanError(`${source}: fault #${index} (${String(f.kind)}), ${where}: ${issue.message}.`);
    }
    plan.push(parsed.data as FaultPlan[number]);
  });
  return plan;
}
