// Scaffolds a check: `npm run new-check -- <check-id> <PREFIX> "<title>" [--bundle NAME]...`
// writes probes/<check-id>/ from scripts/templates/check/ and adds its one line
// to probes/checks.ts. The result builds, runs and shows up in `checks`, in
// its bundles and in the backlog; then replace the template's observation and
// control with the check's own (README: "Adding a check").
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILTIN_BUNDLE_PURPOSES } from '../probes/bundles.js';

export interface NewCheck {
  id: string;
  prefix: string;
  title: string;
  bundles: string[];
  /** The repository root to write into. */
  root: string;
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const pascal = (id: string) => camel(id).replace(/^./, (c) => c.toUpperCase());

/** scripts/templates/check/, found from this module whether it runs from source (scripts/) or the build (dist/scripts/). */
function templatesDir(): URL {
  for (const up of ['./', '../../scripts/']) {
    const dir = new URL(`${up}templates/check/`, import.meta.url);
    if (existsSync(dir)) return dir;
  }
  throw new Error('scripts/templates/check/ not found beside this script');
}

/** What is wrong with a request, one line each (empty when it can be scaffolded). */
export function problemsOf(req: NewCheck): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(req.id)) problems.push(`check id "${req.id}": lower-case words joined by dashes (e.g. modem-link)`);
  if (!/^[A-Z]{2}$/.test(req.prefix)) problems.push(`prefix "${req.prefix}": two capital letters, the control ids' prefix (e.g. ML for ML-01)`);
  if (req.title.trim().length < 5) problems.push('title: a few words saying what the check looks at');
  for (const b of req.bundles) if (!(b in BUILTIN_BUNDLE_PURPOSES)) problems.push(`--bundle ${b}: not a built-in bundle (${Object.keys(BUILTIN_BUNDLE_PURPOSES).join(', ')}; full runs every check anyway)`);
  if (existsSync(join(req.root, 'probes', req.id))) problems.push(`probes/${req.id} exists already`);
  return problems;
}

/** Writes the folder and the catalogue line; returns the files written. */
export function scaffoldCheck(req: NewCheck): string[] {
  const problems = problemsOf(req);
  if (problems.length) throw new Error(problems.join('\n'));
  const templates = templatesDir();
  const dir = join(req.root, 'probes', req.id);
  mkdirSync(dir);
  const fill = (text: string) =>
    text
      .replaceAll('@ID@', req.id)
      .replaceAll('@PREFIX@', req.prefix)
      .replaceAll('@TITLE@', req.title.replaceAll("'", "\\'"))
      .replaceAll('@NAME@', pascal(req.id))
      .replaceAll('@BUNDLES@', req.bundles.map((b) => `'${b}'`).join(', '));
  const written: string[] = [];
  for (const name of readdirSync(templates).filter((n) => n.endsWith('.ts.tmpl'))) {
    const file = join(dir, name.replace(/\.tmpl$/, ''));
    writeFileSync(file, fill(readFileSync(new URL(name, templates), 'utf8')));
    written.push(file);
  }
  // The one line in the catalogue, kept in check-id order.
  const catalogue = join(req.root, 'probes', 'checks.ts');
  const lines = readFileSync(catalogue, 'utf8').split('\n');
  const line = `export { info as ${camel(req.id)} } from './${req.id}/info.js';`;
  const exports = lines.filter((l) => l.startsWith('export {'));
  const next = exports.find((l) => l > line);
  lines.splice(next ? lines.indexOf(next) : lines.indexOf(exports.at(-1)!) + 1, 0, line);
  writeFileSync(catalogue, lines.join('\n'));
  written.push(catalogue);
  return written;
}

if (process.argv[1]?.endsWith('new-check.js')) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { bundle: { type: 'string', multiple: true }, root: { type: 'string' } } });
  const [id = '', prefix = '', title = ''] = positionals;
  try {
    const files = scaffoldCheck({ id, prefix, title, bundles: values.bundle ?? [], root: values.root ?? process.cwd() });
    for (const f of files) console.log(`wrote ${f}`);
    console.log(`next: replace the template's observation and control, then npm run gen:docs (README catalogue, shipped ids, schema)`);
  } catch (err) {
    console.error(`new-check: ${(err as Error).message.replaceAll('\n', '\nnew-check: ')}`);
    console.error('usage: npm run new-check -- <check-id> <PREFIX> "<title>" [--bundle NAME]...');
    process.exitCode = 2;
  }
}
