// A scenario argument is a built-in name or a path to a TypeScript/JavaScript module
// whose default export (or export named `scenario`) is a Scenario.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILT_IN_SCENARIOS } from '../scenarios/registry.js';
import type { Scenario } from '../scenarios/types.js';
import { UsageError } from './usage-error.js';

function isScenario(x: unknown): x is Scenario<unknown> {
  const s = x as Scenario<unknown> | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.params === 'function' && typeof s.build === 'function';
}

export async function loadScenario(arg: string): Promise<Scenario<unknown>> {
  const builtIn = BUILT_IN_SCENARIOS[arg];
  if (builtIn !== undefined) return builtIn;
  const looksLikePath = /[\\/]|\.[cm]?[jt]s$/.test(arg);
  const path = resolve(arg);
  if (!looksLikePath || !existsSync(path)) {
    throw new UsageError(`unknown scenario "${arg}": give a built-in name (${Object.keys(BUILT_IN_SCENARIOS).join(', ')}) or the path of a .ts/.js module that exports a scenario${looksLikePath ? ` (no file at ${path})` : ''}.`);
  }
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(path)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    } else mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`cannot load scenario module ${path}: ${why}`);
  }
  const candidate = mod.default ?? mod.scenario;
  const unwrapped = isScenario(candidate) ? candidate : isScenario((candidate as { default?: unknown })?.default) ? (candidate as { default: unknown }).default : undefined;
  if (!isScenario(unwrapped)) {
    throw new UsageError(`scenario module ${path} must export a scenario (default export or "scenario") with a name, params(overrides) and build(sim, params).`);
  }
  return unwrapped;
}
