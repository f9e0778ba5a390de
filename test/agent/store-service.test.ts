// The store belongs to the service. A store path under a missing folder is an
// error naming the folder (a mistyped path must not start a new store and a
// new baseline) unless `run --init`; the CLI refuses a store another account
// owns and says whom to run as; a store the CLI cannot write says why: the
// path, the errno and the owner and mode of what is in the way, not only
// SQLite's `SQLITE_CANTOPEN: unable to open database file`.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { builtCli } from '../helpers/build.js';
import { cli } from '../helpers/cli.js';
import { labGateway, tempDir } from '../helpers/lab.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

async function labConfig(t: Parameters<typeof tempDir>[0], storePath: string): Promise<string> {
  const gw = await labGateway(t, { profile: 'weak' });
  writeFileSync(gw.configFile, stringify({ ...gw.config, store: { path: storePath } }));
  return gw.configFile;
}

t.test('a store under a missing folder is an error naming the folder (exit 3); run --init creates it', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'state', 'pathaudit.db');
  const config = await labConfig(t, store);
  const r = await cli(['run', '--check', 'broker-transport', '--config', config]);
  t.equal(r.code, 3);
  t.equal(r.stderr, `pathaudit: store ${store}: the folder ${join(dir, 'state')} does not exist: check store.path, or create it with \`pathaudit run --init\`\n`, 'one line naming the folder and the way out');
  t.notOk(existsSync(join(dir, 'state')), 'nothing was created');
  for (const args of [['runs'], ['report', 'latest'], ['baseline', 'show']]) {
    const other = await cli([...args, '--config', config]);
    t.equal(other.code, 3, `${args.join(' ')}: exit 3`);
    t.match(other.stderr, `the folder ${join(dir, 'state')} does not exist`);
  }
  const init = await cli(['run', '--check', 'broker-transport', '--init', '--config', config]);
  t.equal(init.code, 0, `run --init works (${init.stderr})`);
  t.ok(existsSync(store), 'the store was made');
  t.equal((statSync(join(dir, 'state')).mode & 0o777).toString(8), '750', 'in a 0750 folder');
});

t.test('a store another account owns is refused, naming the account and the command to run as it; nothing is written', { skip: isRoot ? false : 'needs root to give a store to another account' }, async (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const store = join(dir, 'pathaudit.db');
  const config = await labConfig(t, store);
  const first = await cli(['run', '--check', 'broker-transport', '--config', config]);
  t.equal(first.code, 0);
  for (const f of readdirSync(dir)) chownSync(join(dir, f), NOBODY, NOBODY);
  const before = readdirSync(dir).sort();
  const mtime = statSync(store).mtimeMs;
  for (const args of [['run', '--check', 'broker-transport'], ['report', 'latest'], ['bundle', 'pubkey']]) {
    const r = await cli([...args, '--config', config]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, /belongs to nobody \(nobody:nogroup 0[0-7]{3}\), not to root/, 'names the owner, group and mode');
    t.match(r.stderr, `Run as nobody: sudo -u nobody pathaudit ${args.join(' ')} --config ${config}`, 'and the command, as that user');
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  t.same(readdirSync(dir).sort(), before, 'no file appeared (no root-owned -wal, -shm or key)');
  t.equal(statSync(store).mtimeMs, mtime, 'the store is untouched');

  // Before any store exists: the folder's owner is whom the store must belong to.
  const fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  chownSync(fresh, NOBODY, NOBODY);
  const cfg2 = await labConfig(t, join(fresh, 'pathaudit.db'));
  const r = await cli(['run', '--check', 'broker-transport', '--config', cfg2]);
  t.equal(r.code, 2);
  t.match(r.stderr, `the store folder ${fresh} belongs to nobody`);
  t.same(readdirSync(fresh), [], 'nothing was created in it');
});

t.test('a store the CLI cannot write says what and why: path, errno, owner and mode (not only SQLITE_CANTOPEN)', async (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const folder = join(dir, 'state');
  mkdirSync(folder, { mode: 0o555 });
  const store = join(folder, 'pathaudit.db');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }] }, store: { path: store } }), { mode: 0o644 });
  // As root, file modes stop nobody: the CLI runs as nobody, whose folder it is (so it is not refused as another's).
  const asOther = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
  if (isRoot) chownSync(folder, NOBODY, NOBODY);
  // `env -i`: tap's process hooks (NODE_OPTIONS) would write under .tap/ as nobody.
  const r = spawnSync('env', ['-i', `PATH=${process.env.PATH}`, process.execPath, builtCli(), 'runs', '--config', config], { encoding: 'utf8', cwd: dir, ...asOther, timeout: 60_000 });
  t.equal(r.status, 3, `exit 3 (${r.stderr})`);
  t.match(r.stderr, `cannot open store ${store}: SQLITE_CANTOPEN`, 'what failed, in SQLite\'s words');
  t.match(r.stderr, new RegExp(`the folder ${folder} is not writable by ${isRoot ? 'nobody' : '\\S+'} \\(EACCES; ${isRoot ? 'nobody:nogroup' : '\\S+'} 0555\\)`), 'and why: the folder, errno, owner and mode');
  t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
});
