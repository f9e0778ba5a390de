// The unit's hardening, as systemd itself scores it. Prints the figure; skips
// (with the reason) where Debian's systemd-analyze is not installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';

const UNIT = new URL('../../systemd/pathaudit.service', import.meta.url).pathname;
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const available = analyze.status === 0;

t.test('systemd-analyze security --offline=true rates pathaudit.service at 2.0 or lower', { skip: available ? false : 'systemd-analyze not installed (apt-get install -y systemd)' }, async (t) => {
  const out = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
  const m = /Overall exposure level for pathaudit\.service: ([\d.]+) (\w+)/.exec(out);
  t.ok(m, 'systemd-analyze printed an overall exposure');
  const exposure = Number(m![1]);
  t.comment(`systemd-analyze exposure: ${exposure} ${m![2]} (${analyze.stdout.split('\n')[0]})`);
  console.log(`# pathaudit.service exposure: ${exposure} ${m![2]}`);
  t.ok(exposure <= 2.0, `exposure ${exposure} ≤ 2.0`);
});

t.test('the unit keeps what the daemon needs and documents each exception', async (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  const setting = (k: string) => unit.split('\n').filter((l) => l.startsWith(`${k}=`)).map((l) => l.slice(k.length + 1));
  t.same(setting('User'), ['pathaudit'], 'a dedicated user');
  t.same(setting('NoNewPrivileges'), ['yes']);
  t.same(setting('ProtectSystem'), ['strict']);
  t.same(setting('ReadWritePaths'), ['/var/lib/pathaudit'], 'only the state directory is writable');
  t.same(setting('CapabilityBoundingSet'), [''], 'no capabilities');
  t.same(setting('IPAddressAllow'), ['localhost'], 'loopback only');
  t.ok(setting('MemoryMax').length === 1 && setting('Restart')[0] === 'on-failure');
  // Each loosened setting carries a comment right above it saying why.
  for (const k of ['ProtectProc', 'PrivateUsers', 'MemoryDenyWriteExecute']) {
    const lines = unit.split('\n');
    const i = lines.findIndex((l) => l.startsWith(`${k}=`));
    const above = lines.slice(Math.max(0, i - 4), i).join('\n');
    t.match(above, /Exception:/, `${k} is explained`);
  }
});
