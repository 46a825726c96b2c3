import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Arrows run one way: scenarios -> the kit (actors, checks, faults) -> runtime; the harness
// runs scenarios on the kit; reports render results; the CLI imports no scenario. Each
// layer may import only the layers listed for it (and packages).
const ALLOWED: Record<string, readonly string[]> = {
  runtime: ['runtime'],
  actors: ['actors', 'runtime'],
  faults: ['faults', 'runtime'],
  checks: ['checks', 'faults', 'runtime'],
  reports: ['reports', 'checks', 'faults', 'runtime'],
  harness: ['harness', 'actors', 'checks', 'faults', 'reports', 'runtime'],
  cli: ['cli', 'harness', 'reports', 'faults', 'checks', 'runtime'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layering', () => {
  it.each(Object.keys(ALLOWED))('%s imports only what it may', (layer) => {
    const wrong: string[] = [];
    for (const file of files(layer)) {
      const depth = file.split('/').length - 1;
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        // Resolve the relative import to the top-level folder it lands in.
        const parts = [...file.split('/').slice(0, depth), ...m[1].split('/')];
        const stack: string[] = [];
        for (const p of parts) if (p === '..') stack.pop(); else if (p !== '.') stack.push(p);
        const top = stack.length > 1 ? stack[0] : '(root)';
        if (!ALLOWED[layer].includes(top)) wrong.push(`${file} -> ${m[1]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
