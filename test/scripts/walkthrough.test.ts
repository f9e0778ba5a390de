// The README's operator walkthrough ("Installing on a Raspberry Pi") runs
// end to end here, line by line, up to the point where systemd is needed:
// install.sh into a --prefix staging root, the config written where sudoedit
// would (the lab gateway's, with the store and API token of the staged tree),
// validation as the installer's wrapper runs it, the first audit into the
// staged store. `sudo`/`sudo -u pathaudit` are dropped (the test is root or
// the service user); /etc/pathaudit and the wrapper map into the staging root.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { installSource } from '../helpers/install-source.js';
import { labGateway, tempDir } from '../helpers/lab.js';

const CHECKOUT = new URL('../../', import.meta.url).pathname;

/** The README's first ```shell block after the heading. */
function walkthrough(readme: string, heading: string): string[] {
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const m = /```shell\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error(`no shell block under "${heading}"`);
  return m[1]!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

t.test('the Pi install walkthrough runs against a --prefix root and the lab gateway, up to systemctl', async (t) => {
  const lines = walkthrough(readFileSync(join(CHECKOUT, 'README.md'), 'utf8'), 'Installing on a Raspberry Pi');
  const src = installSource(t);
  const root = tempDir(t, 'pathaudit-walkthrough-');
  const gw = await labGateway(t, { profile: 'weak' });
  const wrapper = join(root, 'usr/local/bin/pathaudit');
  const map = (line: string) =>
    line
      .replace(/^sudo scripts\/install\.sh\b/, `sh scripts/install.sh --prefix '${root}'`)
      .replace(/^sudo (-u pathaudit )?pathaudit /, `'${wrapper}' `)
      .replaceAll('/etc/pathaudit/', `${root}/etc/pathaudit/`)
      .replaceAll('/opt/pathaudit/', `${root}/opt/pathaudit/`);

  let executed = 0;
  let stoppedAt: string | null = null;
  for (const line of lines) {
    if (/^sudo systemctl|^journalctl/.test(line)) {
      stoppedAt = line;
      break;
    }
    if (line.startsWith('sudoedit ')) {
      // What the operator writes: the lab's path, with the staged store and token.
      const config = { ...gw.config, store: { path: join(root, 'var/lib/pathaudit/pathaudit.db') }, api: { token_file: join(root, 'etc/pathaudit/secrets/api-token') } };
      const file = join(root, 'etc/pathaudit/config.yaml');
      t.ok(existsSync(file), 'the installer left a config to edit');
      t.ok(existsSync(join(root, 'opt/pathaudit/config/pathaudit.example.yaml')), 'and the example it starts from');
      writeFileSync(file, stringify(config));
      executed += 1;
      continue;
    }
    const r = spawnSync('bash', ['-c', map(line)], { cwd: src, encoding: 'utf8', timeout: 120_000 });
    executed += 1;
    t.equal(r.status, 0, `${line}\n  → exit ${r.status}: ${(r.stderr || r.stdout).slice(-400)}`);
    if (line.includes('config validate')) t.match(r.stdout, /config OK: [^]*checked as \S+ \(/, 'validate says as whom it judged the files');
    if (line.includes(' run ')) t.match(r.stdout + r.stderr, /is now the baseline/, 'the first audit became the baseline');
  }
  t.ok(executed >= 4, `${executed} walkthrough lines ran`);
  t.match(stoppedAt, /^sudo systemctl enable --now pathaudit/, 'stopped where systemd is needed');
  t.ok(existsSync(join(root, 'var/lib/pathaudit/pathaudit.db')), 'the staged store holds the first audit');
});
