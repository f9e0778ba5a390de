// ajv's and fast-json-stringify's standalone code require()s its runtime
// helpers; the generated modules (gen-schema.ts, gen-route-validators.ts,
// gen-route-serializers.ts) are ES modules that import them instead.

/**
 * Standalone code require()s its runtime helpers: each require becomes the
 * name of an ES import, recorded in `imports` (name → module path with .js).
 */
export function requiresAsImports(code: string, imports: Map<string, string>): string {
  return code.replace(/require\((['"])([^'"]+)\1\)/g, (_m, _q: string, mod: string) => {
    const name = `__${mod.replace(/[^A-Za-z0-9]+/g, '_')}`;
    imports.set(name, mod.endsWith('.js') ? mod : `${mod}.js`);
    return name;
  });
}

/** The import lines for what requiresAsImports recorded. */
export function importLines(imports: Map<string, string>): string {
  return [...imports].map(([name, mod]) => `import ${name} from '${mod}';\n`).join('');
}
