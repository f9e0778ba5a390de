// The host facts of a run: the OS as os-release(5) names it, the kernel and
// architecture as node reports them (no command spawned for them).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import t from 'tap';
import { parseOsRelease, readHostFacts } from '../../agent/runner/host.js';

t.test('os-release lines: quoted, single-quoted, escaped and bare values; comments and blank lines ignored', async (t) => {
  const r = parseOsRelease(['# a comment', '', 'NAME="Debian GNU/Linux"', "VERSION_ID='12'", 'ID=debian', 'PRETTY_NAME="Say \\"hi\\" 1.0"', 'not a line', ' VERSION_CODENAME=bookworm '].join('\n'));
  t.same(r, { NAME: 'Debian GNU/Linux', VERSION_ID: '12', ID: 'debian', PRETTY_NAME: 'Say "hi" 1.0', VERSION_CODENAME: 'bookworm' });
});

t.test('readHostFacts names this machine: PRETTY_NAME of its os-release, its kernel, arch and host name', async (t) => {
  const file = ['/etc/os-release', '/usr/lib/os-release'].find((f) => {
    try {
      return Boolean(readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
  const h = await readHostFacts();
  t.equal(h.kernel, os.release());
  t.equal(h.arch, os.arch());
  t.equal(h.hostname, os.hostname());
  if (!file) return t.equal(h.os, null, 'no os-release: the OS is unknown, not guessed');
  const release = parseOsRelease(readFileSync(file, 'utf8'));
  t.equal(h.os, release.PRETTY_NAME ?? `${release.NAME} ${release.VERSION_ID}`, `the OS as ${file} names it`);
});
