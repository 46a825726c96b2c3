// A module resolution hook (node:module register): a scenario file that imports 'faultline'
// (or 'faultline/testing') from a folder where no faultline is installed gets this one, the
// package running it. Anything resolvable the usual way resolves as before.
/** The package's entry points, by the specifiers a scenario imports them under (file URLs). */
export const FAULTLINE_ENTRIES: Readonly<Record<string, string>> = {
  faultline: new URL('../index.js', import.meta.url).href,
  'faultline/testing': new URL('./testing.js', import.meta.url).href,
};

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string; shortCircuit?: boolean }> {
  try {
    return await next(specifier, context);
  } catch (err) {
    const entry = FAULTLINE_ENTRIES[specifier];
    if (entry === undefined) throw err;
    return { url: entry, shortCircuit: true };
  }
}
