// broker-sessions on logs that cannot be judged: missing, unreadable, a
// directory, a FIFO, binary, over the size cap, odd timestamps only, empty —
// each an `error` or `skipped` with the reason, never a crash or a pass.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { tempDir } from '../../helpers/lab.js';
import { at, audit, only, sessionsConfig } from './helpers.js';

const everyStatus = (results: Array<{ status: string }>) => [...new Set(results.map((r) => r.status))];

t.test('a missing log: error naming the file', async (t) => {
  const dir = tempDir(t);
  const { results } = await audit(sessionsConfig(join(dir, 'mosquitto.log')));
  t.equal(results.length, 5);
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /mosquitto\.log does not exist/);
});

t.test('a directory, a FIFO: error, and the FIFO is never opened (it would block)', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'logdir'));
  t.match((await audit(sessionsConfig(join(dir, 'logdir')))).results[0]?.detail, /logdir is a directory, not a log file/);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const { results } = await audit(sessionsConfig(join(dir, 'fifo')));
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /fifo is not a regular file/);
});

t.test('an unreadable log: error with the permission hint', { skip: process.getuid?.() === 0 ? 'root reads every file: EACCES cannot happen' : false }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, at(10, 'mosquitto version 2.0.11 running'));
  chmodSync(file, 0o000);
  const { results } = await audit(sessionsConfig(file));
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /EACCES.*give the pathaudit user read access/);
});

t.test('a binary file: error, not a log', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.db');
  writeFileSync(file, Buffer.concat([Buffer.from([0, 0, 0, 1, 0x4d, 0x51, 0, 0]), Buffer.alloc(4000), Buffer.from('text')]));
  const { results } = await audit(sessionsConfig(file));
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /not a text log: \d+ % of its first \d+ bytes are NUL or control bytes/);
});

t.test('a log over broker.log_max_mb: error naming the key, before reading it', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  const line = `${at(10, 'Received PUBLISH from dev-1 (d0, q1, r0, m1, \'devices/dev-1/telemetry\', ... (42 bytes))')}\n`;
  writeFileSync(file, line.repeat(Math.ceil((1.5 * 1024 * 1024) / line.length)));
  const { results } = await audit(sessionsConfig(file, { log_max_mb: 1 }));
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /mosquitto\.log is 1\.5 MiB: more than broker\.log_max_mb \(1 MiB\); raise it/);
});

t.test('a rotated .1.gz that decompresses past the cap is reported, and the cap still holds for the log', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(`${file}.1.gz`, gzipSync(Buffer.from(`${at(3600, 'mosquitto version 2.0.11 running')}\n`.repeat(40000)))); // ~1.5 MiB inflated
  writeFileSync(file, `${at(10, 'New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).')}\n`);
  const { results, evidence } = await audit(sessionsConfig(file, { log_max_mb: 1 }, [{ id: 'stm32-01' }]));
  t.same(everyStatus(results), ['error'], 'nothing left of the cap for the log itself');
  t.match(results[0]?.detail, /mosquitto\.log was not read: the rotated file before it used all of broker\.log_max_mb \(1 MiB\)/);
  t.equal(evidence.length, 1);
});

t.test('the rotated file (Debian: .1.gz) is read before the log', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(`${file}.1.gz`, gzipSync(Buffer.from(`${at(7200, 'Client stm32-01 already connected, closing old connection.')}\n`)));
  writeFileSync(file, `${at(10, 'New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).')}\n`);
  const { results, evidence } = await audit(sessionsConfig(file, {}, [{ id: 'stm32-01' }]));
  t.equal(only(results, 'BS-01', 'client stm32-01').status, 'fail', 'the takeover in the rotated file counts');
  const scan = evidence.find((e) => e.key === 'log-scan')?.data as { files: Array<{ path: string; role: string; compressed: boolean; lines: number }> };
  t.same(
    scan.files.map((f) => [f.role, f.compressed, f.lines]),
    [
      ['rotated', true, 1],
      ['current', false, 1],
    ],
  );
});

t.test('only odd timestamps: error telling which setting to set', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, 'Nov 30 01:02:03: New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).\nNov 30 01:02:04: Client stm32-01 disconnected.\n');
  const { results } = await audit(sessionsConfig(file));
  t.same(everyStatus(results), ['error']);
  t.match(results[0]?.detail, /none of 2 lines has a timestamp broker-sessions can read .*set broker.log_timestamp_format/);
});

t.test('an unsupported log_timestamp_format stops collect with the key named', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, '');
  await t.rejects(audit(sessionsConfig(file, { log_timestamp_format: '%H:%M:%S' })), /broker.log_timestamp_format "%H:%M:%S": a timestamp needs a year/);
});

t.test('an empty log, or one with nothing in the window: skipped, nothing to judge', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, '');
  const empty = await audit(sessionsConfig(file));
  t.same(everyStatus(empty.results), ['skipped']);
  t.match(empty.results[0]?.detail, /no log line in the last 24 h \(0 lines read, 0 older\)/);
  writeFileSync(file, `${at(3 * 86400, 'New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).')}\n`);
  const old = await audit(sessionsConfig(file));
  t.same(everyStatus(old.results), ['skipped']);
  t.match(old.results[0]?.detail, /1 line read, 1 older/);
});

t.test('a line without end (no newline for megabytes) is cut and counted, memory stays bounded', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, `${at(20, 'New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).')}\n${'x'.repeat(3 * 1024 * 1024)}\n${at(10, 'Client stm32-01 already connected, closing old connection.')}\n`);
  const { results, evidence } = await audit(sessionsConfig(file, {}, [{ id: 'stm32-01' }]));
  const scan = evidence.find((e) => e.key === 'log-scan')?.data as { lines: { tooLong: number; judged: number } };
  t.equal(scan.lines.tooLong, 1);
  t.equal(scan.lines.judged, 2);
  t.equal(only(results, 'BS-01', 'client stm32-01').status, 'fail', 'the line after the long one is read');
});

t.test('every line inside pathaudit runs: skipped, only the probe was there', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'mosquitto.log');
  writeFileSync(file, `${at(30, 'New connection from 127.0.0.1:40000 on port 8883.')}\n${at(30, 'OpenSSL Error[0]: error:0A0000C7:SSL routines::peer did not return a certificate')}\n`);
  const { results } = await audit(sessionsConfig(file), [{ startedAt: new Date(Date.now() - 60_000).toISOString(), finishedAt: null }]);
  t.same(everyStatus(results), ['skipped']);
  t.match(results[0]?.detail, /every line of the last 24 h falls inside a pathaudit run \(2 lines\)/);
});
