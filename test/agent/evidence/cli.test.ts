// The evidence-lifecycle commands driven through the real CLI entry point
// (in-process main(), real lab, real SQLite store, real files).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../../agent/cli/main.js';
import type { Io } from '../../../agent/cli/io.js';
import { readTarGz, writeTarGz } from '../../../agent/evidence/tarball.js';
import { labGateway } from '../../helpers/lab.js';

function capture(): Io & { out: string; err: string; reset(): void } {
  const io = {
    out: '',
    err: '',
    interactive: false,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s),
    reset: () => {
      io.out = '';
      io.err = '';
    },
  };
  return io;
}

t.test('run → baseline → harden → delta → report → bundle export/verify → snapshot, through the CLI', async (t) => {
  // The built-in audit-baseline also needs checks built concurrently; the config may redefine a bundle, so this
  // lab's audit-baseline is broker-transport alone — enough to exercise "the first audit-baseline run becomes the baseline".
  const gw = await labGateway(t, { profile: 'weak', config: { bundles: { 'audit-baseline': ['broker-transport'] } } });
  const cfg = gw.configFile;
  const io = capture();
  const cli = async (...args: string[]) => {
    io.reset();
    return main([...args], io);
  };

  t.equal(await cli('baseline', 'show', '--config', cfg), 0);
  t.match(io.out, /baseline: none set/);
  t.equal(await cli('delta', '--config', cfg), 2, 'delta without a baseline is a usage error');
  t.match(io.err, /no baseline is set/);

  t.equal(await cli('run', '--bundle', 'audit-baseline', '--config', cfg), 0);
  t.match(io.out, /Exposed posture/);
  t.match(io.out, /baseline: run run-\S+ is now the baseline \(first completed audit-baseline run\)/, 'the run says it set the baseline');
  const weakId = /baseline: run (\S+) is now/.exec(io.out)![1]!;

  await gw.reconfigure('hardened');
  t.equal(await cli('run', '--bundle', 'audit-baseline', '--config', cfg, '--format', 'junit'), 0);
  t.match(io.out, /^<\?xml/, 'run --format junit');
  t.notMatch(io.out + io.err, /is now the baseline/, 'the baseline is set once');

  t.equal(await cli('baseline', 'show', '--config', cfg, '--format', 'json'), 0);
  t.equal(JSON.parse(io.out).baseline, weakId);

  t.equal(await cli('delta', '--from', 'baseline', '--to', 'latest', '--format', 'json', '--config', cfg), 0);
  const delta = JSON.parse(io.out);
  t.equal(delta.from.id, weakId);
  t.equal(delta.counts.regressed, 0);
  t.ok(delta.counts.improved >= 4);
  t.equal(await cli('delta', '--config', cfg), 0);
  t.match(io.out, /^delta run-\S+ → run-\S+: \d+ controls improved · 0 regressions/);

  const reportFile = join(gw.dir, 'out', 'report.html');
  t.equal(await cli('report', 'latest', '--format', 'html', '--out', reportFile, '--config', cfg), 2, '--out into a folder that does not exist is refused');
  t.match(io.err, /--out .*out\/report\.html: the folder .*out does not exist/);
  mkdirSync(join(gw.dir, 'out'));
  t.equal(await cli('report', 'latest', '--format', 'html', '--out', reportFile, '--config', cfg), 0);
  t.match(readFileSync(reportFile, 'utf8'), /^<!DOCTYPE html>/);
  t.equal(await cli('report', 'latest', '--format', 'pdf', '--config', cfg), 2, 'unknown format is a usage error');
  t.equal(await cli('report', 'run-nope', '--config', cfg), 2);
  t.match(io.err, /no run run-nope/);
  t.equal(await cli('report', 'baseline', '--format', 'json', '--config', cfg), 0, 'report takes baseline, as the API does');
  t.equal(JSON.parse(io.out).run.id, weakId);
  t.equal(await cli('delta', '--from', 'latest', '--to', 'baseline', '--format', 'json', '--config', cfg), 0, 'delta takes latest and baseline on either side');
  t.equal(JSON.parse(io.out).to.id, weakId);

  const bundleFile = join(gw.dir, 'out', 'latest.tar.gz');
  t.equal(await cli('bundle', 'export', 'latest', '--out', bundleFile, '--config', cfg), 0);
  const fp = /signed with (sha256:[0-9a-f]{64})/.exec(io.out)![1]!;
  t.equal(await cli('bundle', 'verify', bundleFile), 0, 'verifies on the file alone');
  t.match(io.out, new RegExp(`^bundle OK: run \\S+ · \\d+ files · signed by ${fp} · embedded key only`));
  t.equal(await cli('bundle', 'verify', bundleFile, '--config', cfg), 0);
  t.match(io.out, /gateway key pinned, chain checked against the store/);
  t.equal(await cli('bundle', 'pubkey', '--config', cfg), 0);
  t.match(io.out, new RegExp(`^# gateway signing key ${fp}`));
  const pubFile = join(gw.dir, 'out', 'gateway.pub');
  writeFileSync(pubFile, io.out.split('\n').slice(1).join('\n'));
  t.equal(await cli('bundle', 'verify', bundleFile, '--pubkey', pubFile), 0);

  const { files } = readTarGz(readFileSync(bundleFile));
  const tampered = files.map((f) => (f.path === 'report.md' ? { path: f.path, data: Buffer.concat([f.data, Buffer.from(' ')]) } : f));
  const tamperedFile = join(gw.dir, 'out', 'tampered.tar.gz');
  writeFileSync(tamperedFile, writeTarGz(tampered, new Date()));
  t.equal(await cli('bundle', 'verify', tamperedFile), 3, 'exit 3 when verification fails');
  t.match(io.out, /bundle verification FAILED[\s\S]*\n {2}report\.md: sha256 /);
  t.equal(await cli('bundle', 'verify', join(gw.dir, 'nope.tar.gz')), 2, 'unreadable file is a usage error');
  t.equal(await cli('bundle', 'export', 'baseline', '--out', join(gw.dir, 'out', 'baseline.tar.gz'), '--config', cfg), 0, 'bundle export takes baseline');
  t.match(io.out + io.err, weakId);

  await gw.reconfigure('hardened', { anonymous: true });
  t.equal(await cli('run', '--bundle', 'audit-baseline', '--config', cfg, '--format', 'json'), 0);
  t.equal(await cli('delta', '--from', 'baseline', '--format', 'md', '--config', cfg, '--fail-on-regression'), 0, 'against the weak baseline nothing regressed');
  t.equal(await cli('snapshot', '--config', cfg, '--format', 'json'), 0);
  const snap = JSON.parse(io.out);
  t.equal(snap.baselineId, weakId);
  t.equal(snap.latest.summary.decision, 'sprint');
  t.equal(await cli('snapshot', '--config', cfg), 0);
  t.match(io.out, /^\d{4}-\d{2} snapshot: /);
  t.equal(await cli('snapshot', '--month', '2026-1', '--config', cfg), 2);

  t.equal(await cli('baseline', 'set', 'run-nope', '--config', cfg), 2);
  t.equal(await cli('baseline', 'set', 'latest', '--config', cfg), 0);
  t.match(io.out, new RegExp(`\\(was ${weakId}\\)`));
  t.equal(await cli('delta', '--from', 'baseline', '--to', 'latest', '--config', cfg, '--fail-on-regression'), 0);
});
