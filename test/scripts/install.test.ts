// scripts/install.sh and uninstall.sh into a staging root (--prefix): the tree
// and its modes, idempotence (a second run changes nothing, byte for byte and
// mtime for mtime), the operator's files kept, data kept unless --purge.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { installSource } from '../helpers/install-source.js';
import { tempDir } from '../helpers/lab.js';

const ROOT = installSource(t);
const INSTALL = join(ROOT, 'scripts/install.sh');
const UNINSTALL = join(ROOT, 'scripts/uninstall.sh');

const sh = (script: string, ...args: string[]) => execFileSync('sh', [script, ...args], { cwd: ROOT, encoding: 'utf8' });

/** Every path under root with its mode, size, mtime and content digest. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.set(p.slice(root.length), `d ${mode} ${st.mtimeMs}`);
        walk(p);
      } else if (st.isFile()) out.set(p.slice(root.length), `f ${mode} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
      else out.set(p.slice(root.length), `l ${mode}`);
    }
  };
  walk(root);
  return out;
}

const modeOf = (p: string) => (statSync(p).mode & 0o7777).toString(8);

t.test('install.sh --prefix lays out the build, the unit, config, token and state folder with their modes; a second run changes nothing', async (t) => {
  const root = tempDir(t, 'pathaudit-install-');
  const first = sh(INSTALL, '--prefix', root);
  t.match(first, /staging into .*user pathaudit, ownership and systemctl skipped/);
  const expected: Array<[string, string]> = [
    ['opt/pathaudit', '755'],
    ['opt/pathaudit/dist/app/cli.js', '755'],
    ['opt/pathaudit/dist/app/run-worker.js', '644'],
    ['opt/pathaudit/package.json', '644'],
    ['opt/pathaudit/config/pathaudit.example.yaml', '644'],
    ['opt/pathaudit/node_modules/fastify/package.json', '644'],
    ['opt/pathaudit/node_modules/better-sqlite3/package.json', '644'],
    ['usr/local/bin/pathaudit', '755'],
    ['etc/systemd/system/pathaudit.service', '644'],
    ['etc/pathaudit', '750'],
    ['etc/pathaudit/config.yaml', '640'],
    ['etc/pathaudit/pathaudit.env', '640'],
    ['etc/pathaudit/secrets', '750'],
    ['etc/pathaudit/secrets/api-token', '640'],
    ['var/lib/pathaudit', '750'],
  ];
  for (const [p, mode] of expected) {
    t.ok(existsSync(join(root, p)), `${p} exists`);
    if (existsSync(join(root, p))) t.equal(modeOf(join(root, p)), mode, `${p} has mode ${mode}`);
  }
  t.notOk(existsSync(join(root, 'opt/pathaudit/node_modules/tap')), 'dev dependencies are not installed');
  t.notOk(existsSync(join(root, 'opt/pathaudit/node_modules/typescript')), 'nor the compiler');
  const token = readFileSync(join(root, 'etc/pathaudit/secrets/api-token'), 'utf8');
  t.match(token, /^[0-9a-f]{64}$/, 'a 256-bit API token was generated');
  t.equal(readFileSync(join(root, 'etc/systemd/system/pathaudit.service'), 'utf8'), readFileSync(join(ROOT, 'systemd/pathaudit.service'), 'utf8'));

  // The installed build runs from its own folder with its own dependencies.
  const checks = execFileSync(process.execPath, [join(root, 'opt/pathaudit/dist/app/cli.js'), 'checks', '--format', 'json'], { cwd: root, encoding: 'utf8' });
  t.ok(JSON.parse(checks).length > 0, 'the installed CLI lists the catalogue');
  // The staged wrapper runs the staged build: it names the prefix, not /opt/pathaudit.
  const wrapper = readFileSync(join(root, 'usr/local/bin/pathaudit'), 'utf8');
  t.match(wrapper, `'${root}/opt/pathaudit/dist/app/cli.js'`, 'the wrapper points into the staged tree');
  t.notMatch(wrapper, / '\/opt\/pathaudit/, 'not at /opt/pathaudit, which is not there');
  const viaWrapper = execFileSync(join(root, 'usr/local/bin/pathaudit'), ['checks', '--format', 'json'], { cwd: tmpdir(), encoding: 'utf8' });
  t.same(JSON.parse(viaWrapper), JSON.parse(checks), 'the staged wrapper works from its prefix');

  const before = snapshot(root);
  const second = sh(INSTALL, '--prefix', root);
  t.match(second, /nothing to do: already installed/);
  t.notMatch(second, /installed |created |generated |mode /, 'the second run reports no change');
  const after = snapshot(root);
  t.equal(after.size, before.size, `same ${before.size} paths`);
  const differing = [...before].filter(([p, v]) => after.get(p) !== v).map(([p]) => p);
  t.same(differing, [], 'no path changed content, mode or mtime');
  t.equal(readFileSync(join(root, 'etc/pathaudit/secrets/api-token'), 'utf8'), token, 'the token is kept');

  // The operator's edits survive a reinstall; a changed build is updated.
  writeFileSync(join(root, 'etc/pathaudit/config.yaml'), 'gateway: { id: edited }\n');
  const third = sh(INSTALL, '--prefix', root);
  t.match(third, /kept .*config\.yaml/);
  t.equal(readFileSync(join(root, 'etc/pathaudit/config.yaml'), 'utf8'), 'gateway: { id: edited }\n');
});

t.test('uninstall.sh keeps config, token and data unless --purge', async (t) => {
  const root = tempDir(t, 'pathaudit-uninstall-');
  sh(INSTALL, '--prefix', root, '--skip-deps');
  writeFileSync(join(root, 'var/lib/pathaudit/pathaudit.db'), 'store');
  const out = sh(UNINSTALL, '--prefix', root);
  t.match(out, /kept .*pass --purge/);
  t.notOk(existsSync(join(root, 'opt/pathaudit')), 'the build is gone');
  t.notOk(existsSync(join(root, 'etc/systemd/system/pathaudit.service')), 'the unit is gone');
  t.ok(existsSync(join(root, 'var/lib/pathaudit/pathaudit.db')), 'the store is kept');
  t.ok(existsSync(join(root, 'etc/pathaudit/secrets/api-token')), 'the token is kept');
  sh(UNINSTALL, '--prefix', root, '--purge');
  t.notOk(existsSync(join(root, 'var/lib/pathaudit')), '--purge deletes the data');
  t.notOk(existsSync(join(root, 'etc/pathaudit')), 'and the config');
});

t.test('install.sh refuses unknown arguments with a usage error', async (t) => {
  let code = 0;
  let stderr = '';
  try {
    execFileSync('sh', [INSTALL, '--frobnicate'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    code = (err as { status: number }).status;
    stderr = String((err as { stderr: string }).stderr);
  }
  t.equal(code, 2);
  t.match(stderr, /unknown argument --frobnicate/);
});
