// --out: a regular file is replaced atomically, a device, FIFO or socket is
// written in place and keeps its type, `-` is stdout, and a target that can
// never be written (a directory, a missing folder) is refused with one line
// and exit 2 before anything is written — never a temp file left behind.
//
// The character device written to is a /dev/null twin made with mknod in a
// temp folder when running as root (a bug could only replace that twin); as
// another user the real /dev/null is used, which such a user cannot replace.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, createReadStream, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { writeOutput } from '../../agent/cli/output.js';
import type { Io } from '../../agent/cli/io.js';
import { PathauditError } from '../../agent/errors.js';
import { cli } from '../helpers/cli.js';
import { builtCli } from '../helpers/build.js';
import { labGateway, tempDir } from '../helpers/lab.js';

const CLI = builtCli();

function capture(): Io & { out: string; err: string; bytes: Buffer[] } {
  const io = { out: '', err: '', bytes: [] as Buffer[], interactive: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s), stdoutBytes: (d: Buffer) => void io.bytes.push(d) };
  return io;
}

/** A character device that is safe to write to and to (wrongly) replace. */
function nullDevice(t: Test): string {
  if (process.getuid?.() !== 0) return '/dev/null';
  const dir = tempDir(t, 'pathaudit-dev-');
  const node = join(dir, 'null');
  execFileSync('mknod', [node, 'c', '1', '3']);
  chmodSync(node, 0o666);
  return node;
}

function fifo(t: Test): string {
  const path = join(tempDir(t, 'pathaudit-fifo-'), 'report.fifo');
  execFileSync('mkfifo', [path]);
  return path;
}

/** Everything a reader of the FIFO gets until the writer closes it. */
function readAll(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    createReadStream(path, 'utf8')
      .on('data', (d) => (text += d.toString()))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.tmp-'));

t.teardown(() => {
  // Whatever happened above, the machine's /dev/null is still a device.
  if (!statSync('/dev/null').isCharacterDevice()) throw new Error('/dev/null is no longer a character device');
});

t.test('a new path and an existing regular file: written whole through a temp file and a rename; the file keeps its mode', async (t) => {
  const dir = tempDir(t);
  const io = capture();
  const file = join(dir, 'report.txt');
  await writeOutput('first\n', file, io);
  t.equal(readFileSync(file, 'utf8'), 'first\n');
  t.match(io.err, new RegExp(`wrote ${file}`));
  chmodSync(file, 0o640);
  const inode = statSync(file).ino;
  await writeOutput('second\n', file, io);
  t.equal(readFileSync(file, 'utf8'), 'second\n');
  t.not(statSync(file).ino, inode, 'replaced by rename, not rewritten in place');
  t.equal(statSync(file).mode & 0o777, 0o640, 'the mode the operator gave it is kept');
  t.same(leftovers(dir), [], 'no temp file left');

  const target = join(dir, 'real.txt');
  writeFileSync(target, 'old');
  symlinkSync(target, join(dir, 'link.txt'));
  await writeOutput('via link\n', join(dir, 'link.txt'), io);
  t.ok(lstatSync(join(dir, 'link.txt')).isSymbolicLink(), 'a symlink stays a symlink');
  t.equal(readFileSync(target, 'utf8'), 'via link\n', 'and the file it names gets the report');
});

t.test('a character device is written in place and stays a character device', async (t) => {
  const dev = nullDevice(t);
  await writeOutput('nothing to see\n', dev, capture());
  t.ok(statSync(dev).isCharacterDevice(), `${dev} is still a character device`);
  t.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null too');
});

t.test('a FIFO is written in place: its reader gets the report and it stays a FIFO', async (t) => {
  const path = fifo(t);
  const reading = readAll(path);
  await writeOutput('report through a pipe\n', path, capture());
  t.equal(await reading, 'report through a pipe\n');
  t.ok(statSync(path).isFIFO(), 'still a FIFO');
  t.same(leftovers(join(path, '..')), []);
});

t.test('a socket file gets a connection, the report, and stays a socket', async (t) => {
  const path = join(tempDir(t, 'pathaudit-sock-'), 'report.sock');
  let got = '';
  const server = net.createServer((s) => s.on('data', (d) => (got += d.toString())));
  await new Promise<void>((r) => server.listen(path, r));
  const closed = new Promise<void>((r) => server.on('connection', (s) => s.on('close', () => r())));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  await writeOutput('over a socket\n', path, capture());
  await closed;
  t.equal(got, 'over a socket\n');
  t.ok(lstatSync(path).isSocket(), 'still a socket');
});

t.test('`-` is stdout, bytes untouched', async (t) => {
  const io = capture();
  await writeOutput(Buffer.from([0x1f, 0x8b, 0x00, 0xff]), '-', io);
  t.same(Buffer.concat(io.bytes), Buffer.from([0x1f, 0x8b, 0x00, 0xff]));
  t.equal(io.err, '', 'no "wrote" line for stdout');
});

t.test('a directory or a missing folder is refused naming the path; nothing is written', async (t) => {
  const dir = tempDir(t);
  const sub = join(dir, 'reports');
  mkdirSync(sub);
  for (const [out, why] of [
    [sub, /--out .*reports: is a directory; name a file to write/],
    [join(dir, 'missing', 'r.txt'), /--out .*missing\/r\.txt: the folder .*missing does not exist/],
    [join(dir, 'file.txt', 'r.txt'), /not a directory/],
  ] as const) {
    if (out.includes('file.txt')) writeFileSync(join(dir, 'file.txt'), 'x');
    const err = await writeOutput('x', out, capture()).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof PathauditError && err.exitCode === 2, `${out}: usage error (exit 2)`);
    t.match((err as Error).message, why);
  }
  t.same(leftovers(dir), [], 'no temp file in the folder');
  t.same(leftovers(sub), [], 'nor in the directory named');
});

t.test('the CLI: --out FIFO, --out device, --out -, --out DIR on real commands', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const cfg = ['--config', gw.configFile];

  // A FIFO read by another process's reader, the CLI a child process as in a CI step.
  const path = fifo(t);
  const reading = readAll(path);
  const child = spawn(process.execPath, [CLI, 'run', '--check', 'broker-transport', '--format', 'json', '--out', path, ...cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  t.equal(code, 0, stderr);
  const doc = JSON.parse(await reading);
  t.equal(doc.run.bundle, 'checks:broker-transport', 'the FIFO reader got the whole run document');
  t.ok(statSync(path).isFIFO(), 'the FIFO is still a FIFO');

  const dev = nullDevice(t);
  const toNull = await cli(['report', 'latest', '--format', 'html', '--out', dev, ...cfg]);
  t.equal(toNull.code, 0, toNull.stderr);
  t.ok(statSync(dev).isCharacterDevice(), `${dev} kept its type`);

  const dash = await cli(['delta', '--from', doc.run.id, '--to', 'latest', '--format', 'json', '--out', '-', ...cfg]);
  t.equal(dash.code, 0, dash.stderr);
  t.equal(JSON.parse(dash.stdout).to.id, doc.run.id, '--out - writes to stdout');

  const dir = tempDir(t);
  const refused = await cli(['run', '--check', 'broker-transport', '--out', dir, ...cfg]);
  t.equal(refused.code, 2, 'a directory as --out exits 2');
  t.equal(refused.stderr.trim().split('\n').length, 1, `one line: ${refused.stderr}`);
  t.match(refused.stderr, new RegExp(`--out ${dir}: is a directory`));
  t.same(readdirSync(dir), [], 'nothing written into it, no temp file');
  const runs = await cli(['runs', '--format', 'json', ...cfg]);
  t.equal(JSON.parse(runs.stdout).items.length, 1, 'the refused run was not even started');

  for (const args of [['snapshot'], ['bundle', 'export', 'latest']]) {
    const r = await cli([...args, '--out', dir, ...cfg]);
    t.equal(r.code, 2, `${args.join(' ')} --out DIR exits 2`);
    t.same(readdirSync(dir), []);
  }
  const bundle = await cli(['bundle', 'export', 'latest', '--out', '-', ...cfg]);
  t.equal(bundle.code, 0, bundle.stderr);
  t.match(bundle.stderr, /bundle: run \S+ signed with sha256:[0-9a-f]+ → stdout/, 'the receipt goes to stderr when the bundle is on stdout');
});
