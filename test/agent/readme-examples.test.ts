// Every command and curl example in the README runs here, so the docs cannot
// rot. ```sh blocks are executed line by line against the lab gateway (CLI
// examples first, then the API examples against a real `serve`); /etc/pathaudit
// paths and the API address are mapped to the test's own. ```shell blocks
// (installing on a Pi) are covered by test/scripts/install.test.ts with
// --prefix, and `npm …` lines by .ci/run itself.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { builtCli } from '../helpers/build.js';
import { freePort, labGateway, tempDir } from '../helpers/lab.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = builtCli();

interface Block {
  lang: string;
  lines: string[];
}

function shBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  const re = /```(\w*)\n([\s\S]*?)```/g;
  for (let m = re.exec(readme); m; m = re.exec(readme)) blocks.push({ lang: m[1]!, lines: m[2]!.split('\n') });
  return blocks.filter((b) => b.lang === 'sh');
}


t.test('every README command and curl example runs', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = shBlocks(readme);
  t.ok(blocks.length >= 3, 'README has sh blocks');
  const gw = await labGateway(t, { profile: 'weak' });
  const work = tempDir(t);
  const tokenFile = join(gw.dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `readme-${Date.now()}-token\n`, { mode: 0o600 });
  const port = await freePort();
  const config = { ...JSON.parse(JSON.stringify(gw.config)), api: { listen: `127.0.0.1:${port}`, token_file: tokenFile } };
  writeFileSync(gw.configFile, stringify(config));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'pathaudit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'pathaudit'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  // The examples run as the service user (`sudo -u pathaudit pathaudit …`); the test is that user.
  const map = (line: string) =>
    line.replace(/^sudo -u pathaudit /, '').replaceAll('/etc/pathaudit/config.yaml', gw.configFile).replaceAll('/etc/pathaudit/secrets/api-token', tokenFile).replaceAll('http://127.0.0.1:7878', `http://127.0.0.1:${port}`);

  let serve: ReturnType<typeof spawn> | null = null;
  t.teardown(() => {
    serve?.kill('SIGTERM');
  });
  let executed = 0;
  for (const block of blocks) {
    const prelude: string[] = [];
    for (const raw of block.lines) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith('npm ')) continue;
      if (line.startsWith('export ')) {
        prelude.push(map(line));
        continue;
      }
      if (line.startsWith('curl') && !serve) {
        serve = spawn(process.execPath, [CLI, 'serve', '--config', gw.configFile], { stdio: 'ignore', env });
        const deadline = Date.now() + 20_000;
        for (;;) {
          const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
          if (ok) break;
          if (Date.now() > deadline) throw new Error('serve did not become ready');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      // curl: also print the HTTP status so the test can judge it.
      const cmd = map(line).replace(/^curl /, `curl -w '\\n__HTTP %{http_code}\\n' `);
      const r = spawnSync('bash', ['-c', [...prelude, cmd].join('\n')], { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
      executed += 1;
      const allowed = line.includes('--fail-on') ? [0, 1] : [0];
      t.ok(allowed.includes(r.status ?? -1), `${line} → exit ${r.status}${r.status ? `: ${r.stderr.slice(-300)}` : ''}`);
      if (line.startsWith('curl')) {
        const status = /__HTTP (\d{3})/.exec(r.stdout)?.[1];
        t.match(status, /^2\d\d$/, `${line} → HTTP ${status}`);
      }
    }
  }
  t.ok(executed >= 20, `${executed} README lines executed`);
});
