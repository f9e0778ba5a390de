// Builds dist-test/: the checkout as JavaScript, for `npm test`.
//
// Why: run through tsx, every test process carries a TypeScript loader on
// top of tap's own import hooks: ~0.5 s of CPU per test file, about 50 of
// the suite's ~370 CPU-seconds (docs/performance.md, "CI wall time"). Here
// esbuild transforms every .ts file once (transform only, as tsx does, no
// bundling), and the tests run as plain ESM.
//
// dist-test/ is a copy of the checkout (not links: a test that edits the
// tree it finds beside itself, as the add-a-check test does, must never write
// through to the sources) with a .js file beside each .ts one, so that every
// path a test or a module derives from import.meta.url (fixtures, README.md,
// config/, the generated files it compares) lands where it does in the
// checkout. node_modules and dist are links to the checkout's. Rebuilt whole
// on every `npm test` (about a second).
//
//   node dist/scripts/build-tests.js
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEST_BUILD = 'dist-test';

/** Top-level entries that are not sources: builds, installs, tap's state, local scratch. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', TEST_BUILD, '.tap', 'out', '.tmp', '.lab']);
/** Local stores and scratch files anywhere in the tree (see .gitignore). */
const SCRATCH = /\.db(-wal|-shm)?$/;
/** Linked, not copied: what the tests use read-only and is large. */
const LINKED = ['node_modules', 'dist'];

function copyTree(from: string, to: string, ts: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if ((from === ROOT && NOT_COPIED.has(entry.name)) || SCRATCH.test(entry.name)) continue;
    const src = join(from, entry.name);
    const dest = join(to, entry.name);
    if (entry.isDirectory()) {
      copyTree(src, dest, ts);
      continue;
    }
    // Symbolic links (the fixture trees imitate /sys and /dev with them) stay links, as written.
    cpSync(src, dest, { verbatimSymlinks: true });
    const rel = relative(ROOT, src);
    if (entry.isFile() && rel.endsWith('.ts') && !rel.endsWith('.d.ts') && !rel.startsWith('test/fixtures/')) ts.push(dest);
  }
}

export async function buildTests(): Promise<number> {
  const out = join(ROOT, TEST_BUILD);
  rmSync(out, { recursive: true, force: true });
  const ts: string[] = [];
  copyTree(ROOT, out, ts);
  for (const dir of LINKED) symlinkSync(join('..', dir), join(out, dir));
  await build({
    absWorkingDir: out,
    entryPoints: ts,
    outdir: out,
    outbase: out,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Stack traces name the .ts line (tap runs node with --enable-source-maps).
    sourcemap: 'linked',
    logLevel: 'error',
  });
  return ts.length;
}

if (process.argv[1]?.endsWith('build-tests.js')) {
  const n = await buildTests();
  console.log(`built ${TEST_BUILD}/: ${n} TypeScript files as JavaScript`);
}
