// A closed stdout ends the CLI quietly with exit 0: `pathaudit report … | head -1`
// through a real shell pipe, with a report far larger than the pipe's buffer,
// so the CLI is still writing when head exits and the write fails with EPIPE.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { builtCli } from '../helpers/build.js';
import { cli } from '../helpers/cli.js';
import { labGateway } from '../helpers/lab.js';

t.test('report latest | head -1: the first line, exit 0, nothing on stderr', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const run = await cli(['run', '--bundle', 'audit-baseline', '--format', 'json', '--config', gw.configFile]);
  t.equal(run.code, 0, run.stderr);
  const whole = await cli(['report', 'latest', '--format', 'json', '--config', gw.configFile]);
  t.ok(whole.stdout.length > 65536 + 16384, `the report (${whole.stdout.length} bytes) is larger than a pipe buffer (64 KiB) and what head reads at once`);
  // `env -i`: the CLI's own environment, without tap's process hooks.
  const script = `env -i PATH="$PATH" "${process.execPath}" "${builtCli()}" report latest --format json --config "${gw.configFile}" | head -1; echo "cli exit \${PIPESTATUS[0]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.stdout, '{\ncli exit 0\n', 'head printed the first line; the CLI exited 0');
  t.equal(r.stderr, '', 'no EPIPE stack trace, no message');
});
