// The recipe for adding a check, proven end to end: scaffold a throwaway check
// into a copy of the source tree (a folder plus its one catalogue line), then
// run that tree's CLI: the check is in `checks`, in its bundle, runs, and its
// finding's verify command in the backlog reruns it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { problemsOf, scaffoldCheck } from '../../scripts/new-check.js';
import { ROOT as repo } from '../helpers/build.js';
import { tempDir } from '../helpers/lab.js';

/**
 * A copy of what the CLI runs from source, sharing node_modules. From the
 * checkout itself (build-stamp's ROOT), not from the tree beside this file:
 * under `npm test` that is dist-test/, whose compiled .js files beside each
 * .ts would be copied too.
 */
function sourceTree(dir: string): string {
  for (const part of ['agent', 'probes', 'config', 'package.json', 'tsconfig.json']) cpSync(join(repo, part), join(dir, part), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

t.test('a check scaffolded from the template is in checks, in its bundle, runs, and the backlog verifies it with that bundle', async (t) => {
  const root = sourceTree(tempDir(t));
  const written = scaffoldCheck({ id: 'os-release', prefix: 'ZZ', title: 'OS release facts', bundles: ['hardening-verification'], root });
  t.same(written.map((f) => f.slice(root.length + 1)).sort(), [
    'probes/checks.ts',
    ...['collect', 'controls', 'evaluate', 'evidence', 'index', 'info'].map((n) => `probes/os-release/${n}.ts`),
  ]);
  t.match(readFileSync(join(root, 'probes/checks.ts'), 'utf8'), /^export \{ info as osRelease \} from '\.\/os-release\/info\.js';$/m, 'one line in the catalogue');

  const cli = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'agent/cli.ts'), ...args], { cwd: root, encoding: 'utf8' });
  const checks = JSON.parse(cli('checks', '--format', 'json')) as Array<{ id: string; controls: Array<{ id: string }> }>;
  t.match(checks.find((c) => c.id === 'os-release'), { controls: [{ id: 'ZZ-01' }] }, '`checks` lists it');

  // A gateway image without etc/os-release: ZZ-01 fails, with evidence.
  const image = join(root, 'image');
  mkdirSync(join(image, 'etc'), { recursive: true });
  const config = join(root, 'pathaudit.yaml');
  writeFileSync(config, stringify({ guardrails: { root: image, allowed_listeners: [] }, store: { path: join(root, 'store.db') } }));
  const run = JSON.parse(cli('run', '--bundle', 'hardening-verification', '--format', 'json', '--config', config)) as {
    run: { checks: Array<{ check: string }> };
    results: Array<{ control: string; status: string; evidence: string[] }>;
  };
  t.ok(run.run.checks.some((c) => c.check === 'os-release'), 'hardening-verification runs it');
  t.match(run.results.find((r) => r.control === 'ZZ-01'), { status: 'fail', evidence: ['os-release:os-release'] });

  const backlog = cli('report', 'latest', '--format', 'csv', '--config', config);
  const row = backlog.split('\r\n').find((l) => l.includes(',ZZ-01,'));
  t.match(row, /hardening-verification/, 'its verify command reruns the bundle that holds it');

  writeFileSync(join(image, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  const again = JSON.parse(cli('run', '--check', 'os-release', '--format', 'json', '--config', config)) as { results: Array<{ control: string; status: string; detail: string }> };
  t.match(again.results.find((r) => r.control === 'ZZ-01'), { status: 'pass', detail: /Debian GNU\/Linux 12/ }, 'fixed: it passes');
});

t.test('the scaffold refuses a bad id, prefix, title, bundle or an existing folder, naming each', async (t) => {
  const problems = problemsOf({ id: 'Bad_Id', prefix: 'z', title: 'x', bundles: ['nope'], root: repo });
  t.equal(problems.length, 4);
  t.match(problems.join('\n'), /check id "Bad_Id"[\s\S]*prefix "z"[\s\S]*title[\s\S]*--bundle nope/);
  t.match(problemsOf({ id: 'telemetry', prefix: 'TX', title: 'telemetry again', bundles: [], root: repo }), [/probes\/telemetry exists already/]);
});
