// The run windows a run hands its checks (broker-sessions leaves the probe's
// own log lines out by them): from a real SQLite store, the current run
// open-ended, an abandoned run left out rather than hiding everything after it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { validateConfig } from '../../agent/config/load.js';
import { RunController } from '../../agent/daemon/runs.js';
import { inProcessExecutor, processExecutor } from '../../agent/daemon/worker.js';
import { silentLogger } from '../../agent/log.js';
import type { RunHeader } from '../../agent/runner/document.js';
import { startRun } from '../../agent/runner/lifecycle.js';
import { runWindowsBefore } from '../../agent/runner/windows.js';
import { openStore } from '../../agent/store/index.js';
import { currentOwner } from '../../agent/store/owner.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import { tempDir } from '../helpers/lab.js';

const header = (id: string, startedAt: string): RunHeader => ({
  id,
  bundle: 'full',
  trigger: 'schedule',
  startedAt,
  finishedAt: null,
  status: 'running',
  agentVersion: 'test',
  configHash: 'x',
  gatewayId: 'gw',
  path: null,
  checks: [],
  previousHash: null,
  hash: null,
});

t.test('windowsSince: ended runs with their end, a live run open, a dead run left out, old runs dropped', async (t) => {
  const store = openStore(join(tempDir(t), 'w.db'));
  t.teardown(() => store.close());
  const now = new Date('2026-11-30T12:00:00Z');
  store.runs.begin(header('run-old', '2026-11-01T00:00:00.000Z'));
  store.runs.abort('run-old', new Date('2026-11-01T00:00:05.000Z'));
  store.runs.begin(header('run-ended', '2026-11-30T10:00:00.000Z'));
  store.runs.abort('run-ended', new Date('2026-11-30T10:00:04.000Z'));
  store.runs.begin(header('run-crashed', '2026-11-30T11:00:00.000Z'), 'this-host/999999/1'); // its process is gone
  store.runs.begin(header('run-now', '2026-11-30T11:59:59.000Z'), currentOwner());

  const windows = runWindowsBefore(store, now);
  t.same(windows, [
    { startedAt: '2026-11-30T11:59:59.000Z', finishedAt: null },
    { startedAt: '2026-11-30T10:00:00.000Z', finishedAt: '2026-11-30T10:00:04.000Z' },
  ]);
});

t.test('the daemon hands the windows to its executor, the current run open-ended', async (t) => {
  const store = openStore(join(tempDir(t), 'd.db'));
  t.teardown(() => store.close());
  store.runs.begin(header('run-before', new Date(Date.now() - 3_600_000).toISOString()));
  store.runs.abort('run-before', new Date(Date.now() - 3_590_000));
  const loaded = validateConfig({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], log_file: '/nonexistent.log' } }, { baseDir: '/', file: null, knownBundles: new Set(), knownChecks: CHECK_IDS });
  let handed: unknown;
  let stop: (err: Error) => void = () => {};
  const runs = new RunController({
    store,
    config: () => loaded,
    log: silentLogger(),
    executor: (req) => {
      handed = req.runWindows;
      return { done: new Promise((_, reject) => (stop = reject)), cancel: async (reason) => stop(new Error(reason)) };
    },
  });
  const running = runs.start({ checks: 'broker-sessions', trigger: 'api' });
  t.match(handed, [{ startedAt: running.startedAt, finishedAt: null }, { finishedAt: /^\d{4}-/ }]);
  await runs.stop(0);
});

t.test('a run process gets the windows in its request and leaves those lines out', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'mosquitto.log');
  const s = Math.floor(Date.now() / 1000);
  writeFileSync(log, `${s - 600}: New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).\n${s - 30}: New client connected from 127.0.0.1:2 as pathaudit-tool (p2, c1, k60).\n`);
  const loaded = validateConfig({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], log_file: log } }, { baseDir: '/', file: null, knownBundles: new Set(), knownChecks: CHECK_IDS });
  const doc = await processExecutor({
    loaded,
    bundle: 'checks:broker-sessions',
    checks: ['broker-sessions'],
    trigger: 'api',
    runId: 'run-windows-test',
    log: silentLogger(),
    runWindows: [{ startedAt: new Date((s - 60) * 1000).toISOString(), finishedAt: new Date((s - 20) * 1000).toISOString() }],
  }).done;
  const scan = doc.evidence.find((e) => e.id === 'broker-sessions:log-scan')?.data as { lines: { judged: number; inRunWindows: number }; runWindows: { count: number } };
  t.match(scan, { lines: { judged: 1, inRunWindows: 1 }, runWindows: { count: 2 } }, 'the earlier run and the run itself');
});

t.test('a run through the lifecycle is one window in its evidence: the store already lists it, the executor adds it no second time', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'mosquitto.log');
  const s = Math.floor(Date.now() / 1000);
  writeFileSync(log, `${s - 600}: New client connected from 10.0.0.9:1 as stm32-01 (p2, c1, k60).\n`);
  const store = openStore(join(dir, 'l.db'));
  t.teardown(() => store.close());
  store.runs.begin(header('run-before', new Date(Date.now() - 3_600_000).toISOString()));
  store.runs.abort('run-before', new Date(Date.now() - 3_590_000));
  const loaded = validateConfig({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], log_file: log } }, { baseDir: '/', file: null, knownBundles: new Set(), knownChecks: CHECK_IDS });
  const { doc } = await startRun({ loaded, bundle: null, checks: 'broker-sessions', trigger: 'api' }, { store, executor: inProcessExecutor, log: silentLogger() }).ended;
  const scan = doc.evidence.find((e) => e.id === 'broker-sessions:log-scan')?.data as { runWindows: { count: number } };
  t.equal(scan.runWindows.count, 2, 'the earlier run and this one, once');
});
