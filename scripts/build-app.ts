// Builds dist/app/: the CLI and the daemon as a few ESM files, from tsc's
// output in dist/. This is what the unit, the installer's wrapper and
// `npm run demo` start.
//
// Why a bundle: `serve` on a Pi is judged on start-to-ready time and idle
// memory. Node's loader spent about 550 ms and 35 MB resolving and
// holding ~525 ESM modules (typebox alone is 373 files); one minified graph
// split at the lazy imports (serve, demo, report formats, /docs, the mqtt
// client) loads in a fraction of that. docs/performance.md has the figures.
//
// What stays outside the bundle, loaded from node_modules at run time:
//   better-sqlite3      a native addon (.node) found next to its package
//   @fastify/swagger-ui  serves its static files from its own package folder
//                        (loaded only on the first /docs request)
//   @fastify/ajv-compiler, @fastify/fast-json-stringify-compiler
//                        fastify's schema compilers, and with them ajv and
//                        fast-json-stringify: the API answers with validators
//                        and serializers precompiled at build time
//                        (agent/api/lazy-compilers.ts), so these load only
//                        for a schema changed since generation. Bundled, their
//                        ~300 KB sat in the chunks serve loads at start, and
//                        V8 keeps every loaded script's source: 0.5–0.8 MB of
//                        resident memory (docs/performance.md, "serve").
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const APP_DIR = 'dist/app';
/** Loaded from node_modules at run time (see above): each must be a production dependency. */
export const EXTERNAL = ['better-sqlite3', '@fastify/swagger-ui', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];

export async function buildApp(): Promise<void> {
  const outdir = `${ROOT}${APP_DIR}`;
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    // Bundles the compiled JavaScript (not the .ts sources), so the bundle
    // runs exactly what tsc type-checked and what the tests import.
    entryPoints: { cli: 'dist/agent/cli.js', 'run-worker': 'dist/agent/daemon/run-worker.js' },
    outdir,
    // agent/daemon/worker.ts starts the run worker as ./run-worker.js next to
    // itself, wherever its code lands: entries and chunks share one folder.
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    // Minified names in stack traces: `node --enable-source-maps` maps them
    // back through the linked .map files. (keepNames would cost ~2 MB of
    // resident memory in serve.)
    sourcemap: 'linked',
    external: EXTERNAL,
    // CommonJS dependencies call require() for node built-ins; in an ESM
    // bundle that needs a real require.
    banner: { js: "import { createRequire as __pathauditRequire } from 'node:module'; const require = __pathauditRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  chmodSync(`${outdir}/cli.js`, 0o755);
}

if (process.argv[1]?.endsWith('build-app.js')) {
  await buildApp();
  console.log(`built ${APP_DIR}/`);
}
