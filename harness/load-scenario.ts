// A scenario argument is a built-in name (a folder of scenarios/ with an index module) or
// the path of a TypeScript/JavaScript module whose default export (or export named
// `scenario`) is a scenario. Built-ins are found on disk and imported when named, so
// nothing here (nor the CLI above it) imports a scenario.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScenarioError, isScenario, type Scenario } from './scenario.js';
import { FAULTLINE_ENTRIES } from './resolve-faultline.js';

const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
/** Built from TypeScript (dist/*.js) or run from source (tests): the built-ins' modules have the same extension as this one. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export function builtInScenarioNames(): string[] {
  if (!existsSync(SCENARIOS_DIR)) return [];
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SCENARIOS_DIR, d.name, `index${EXT}`)))
    .map((d) => d.name)
    .sort();
}

let resolveHookRegistered = false;

interface CjsModule { _resolveFilename(request: string, ...rest: unknown[]): string }

/** require('faultline') that finds nothing the usual way gets this package (Node 20.19 requires ES modules). */
function fallBackToThisFaultline(m: CjsModule): void {
  const entries = Object.fromEntries(Object.entries(FAULTLINE_ENTRIES).map(([k, url]) => [k, fileURLToPath(url)]));
  const usual = m._resolveFilename;
  m._resolveFilename = function resolveFilename(this: unknown, request: string, ...rest: unknown[]): string {
    try {
      return usual.call(this, request, ...rest);
    } catch (err) {
      const entry = entries[request];
      if (entry === undefined) throw err;
      return entry;
    }
  };
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  if (EXT === '.js' && !resolveHookRegistered) {
    // A scenario outside any project that installed faultline still finds 'faultline': this one,
    // whether the file is loaded as an ES module (a resolve hook) or as CommonJS (tsx turns a
    // .ts file outside a "type": "module" package into CommonJS, resolved by require).
    const { register, default: Module } = await import('node:module');
    register(new URL('./resolve-faultline.js', import.meta.url).href);
    fallBackToThisFaultline(Module as unknown as CjsModule);
    resolveHookRegistered = true;
  }
  if (/\.[cm]?ts$/.test(path) && EXT === '.js') {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

export async function loadScenario(arg: string): Promise<Scenario<any>> {
  const builtIn = /^[\w.-]+$/.test(arg) ? join(SCENARIOS_DIR, arg, `index${EXT}`) : undefined;
  const looksLikePath = /[\\/]|\.[cm]?[jt]s$/.test(arg);
  const path = builtIn !== undefined && existsSync(builtIn) ? builtIn : resolve(arg);
  if (path !== builtIn && (!looksLikePath || !existsSync(path))) {
    throw new ScenarioError(`unknown scenario "${arg}": give a built-in name (${builtInScenarioNames().join(', ')}) or the path of a .ts/.js module that exports a scenario${looksLikePath ? ` (no file at ${path})` : ''}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ScenarioError(`cannot load scenario module ${path}: ${why}`);
  }
  const candidate = mod.default ?? mod.scenario;
  const unwrapped = isScenario(candidate) ? candidate : isScenario((candidate as { default?: unknown })?.default) ? (candidate as { default: unknown }).default : undefined;
  if (!isScenario(unwrapped)) {
    throw new ScenarioError(`scenario module ${path} must export a scenario made by defineScenario (default export or "scenario")`);
  }
  return unwrapped;
}
