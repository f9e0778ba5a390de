// The bundle (dist/app/) is what ships and runs. It leaves a few packages
// outside and loads them from node_modules at run time (scripts/build-app.ts
// says why for each). The installer ships production dependencies only, so
// each of those must be one and must resolve from where the bundle runs; and
// every production dependency must be something the bundle uses, or it
// belongs in devDependencies.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { EXTERNAL } from '../../scripts/build-app.js';
import { builtCli, ROOT } from '../helpers/build.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

t.test('every package the bundle leaves outside is a production dependency that resolves from dist/app/', async (t) => {
  const fromBundle = createRequire(builtCli());
  t.ok(EXTERNAL.length >= 4, 'the list is the one the build uses');
  for (const name of EXTERNAL) {
    t.ok(pkg.dependencies[name], `${name} is in dependencies (shipped by the installer)`);
    t.notOk(pkg.devDependencies[name], `${name} is not a devDependency`);
    t.doesNotThrow(() => fromBundle.resolve(name), `${name} resolves from dist/app/`);
  }
});

/** The node_modules sources the bundle was built from, per its source maps. */
function bundledSources(): string[] {
  const dir = join(ROOT, 'dist/app');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js.map'))
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { sources: string[] }).sources);
}

t.test('every production dependency is bundled or loaded by the bundle: none is there for build time or types only', async (t) => {
  builtCli(); // dist/ is the build of the current sources
  const sources = bundledSources();
  for (const name of Object.keys(pkg.dependencies)) {
    const used = EXTERNAL.includes(name) || sources.some((s) => s.includes(`node_modules/${name}/`));
    t.ok(used, `${name}: ${used ? 'in dist/app/' : 'not in dist/app/: a devDependency?'}`);
  }
});

t.test('the bundle does not carry the schema compilers: the chunks hold neither ajv (beyond its runtime helpers) nor fast-json-stringify', async (t) => {
  // Their source would be read into memory with the chunk that holds it; the
  // API answers with precompiled validators and serializers instead.
  builtCli();
  const sources = bundledSources();
  t.ok(sources.length > 100, 'the bundle has its source maps');
  t.same(sources.filter((s) => /node_modules\/(ajv\/lib\/(?!runtime\/)|ajv\/dist\/(ajv|core|compile)|fast-json-stringify\/index|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)/.test(s)), [], 'no compiler sources bundled');
  t.ok(sources.some((s) => s.includes('fast-json-stringify/lib/serializer')), "the precompiled serializers' runtime helper is bundled");
});
