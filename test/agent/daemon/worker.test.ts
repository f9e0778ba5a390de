// The run executors: the checks execute in a child process (the daemon's
// default) or a worker thread, and the document comes back to the main
// thread; cancel() ends the process or thread and the run.
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { inProcessExecutor, processExecutor, workerExecutor, type Executor } from '../../../agent/daemon/worker.js';
import { runExecutorFromEnv } from '../../../agent/daemon/serve.js';
import { silentLogger } from '../../../agent/log.js';
import { newRunId } from '../../../agent/runner/header.js';
import { load } from '../../helpers/lab.js';
import { apiLab } from '../api/helpers.js';

const EXECUTORS: Array<[string, Executor]> = [
  ['a child process', processExecutor],
  ['a worker thread', workerExecutor],
];

for (const [name, executor] of EXECUTORS) {
  t.test(`a run executed in ${name} returns the full run document with the given id, secrets scrubbed`, async (t) => {
    const { gw } = await apiLab(t);
    const loaded = load(gw.configFile);
    const runId = newRunId(new Date());
    const doc = await executor({ loaded, bundle: 'transport', checks: ['broker-transport'], trigger: 'api', runId, log: silentLogger(), runWindows: [] }).done;
    t.equal(doc.run.id, runId);
    t.equal(doc.run.configHash, loaded.hash, 'the run carries the config hash the daemon validated');
    t.equal(doc.run.status, 'completed');
    t.ok(doc.results.some((r) => r.control === 'BT-02' && r.status === 'fail'), 'the worker observed the weak lab');
    const password = loaded.secrets.get(loaded.config.broker!.auth!.password_file!);
    t.notMatch(JSON.stringify(doc), password, `no broker password in what crossed from ${name}`);
  });

  t.test(`cancel() ends ${name}: the run rejects with the reason instead of hanging`, async (t) => {
    const { gw } = await apiLab(t);
    const sockets = new Set<net.Socket>();
    const hole = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    t.teardown(() => {
      for (const s of sockets) s.destroy();
      hole.close();
    });
    const cfg = parse(readFileSync(gw.configFile, 'utf8'));
    cfg.broker.listeners = [{ name: 'stuck', port: (hole.address() as net.AddressInfo).port, tls: false }];
    cfg.runner = { check_timeout_s: 60, step_timeout_ms: 60_000 };
    writeFileSync(gw.configFile, stringify(cfg));
    const loaded = load(gw.configFile);
    const exec = executor({ loaded, bundle: 'transport', checks: ['broker-transport'], trigger: 'api', runId: newRunId(new Date()), log: silentLogger(), runWindows: [] });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await exec.cancel('stopped by the test');
    await t.rejects(exec.done, /stopped by the test/);
    t.ok(Date.now() - t0 < 5000, 'ended promptly');
    if (exec.pid !== undefined) t.throws(() => process.kill(exec.pid!, 0), { code: 'ESRCH' }, 'the run process is gone');
  });
}

t.test('PATHAUDIT_RUN_MODE picks the executor; an unknown mode is a config error naming the variable', async (t) => {
  t.equal(runExecutorFromEnv({}), processExecutor, 'a child process per run by default');
  t.equal(runExecutorFromEnv({ PATHAUDIT_RUN_MODE: 'thread' }), workerExecutor);
  t.equal(runExecutorFromEnv({ PATHAUDIT_RUN_MODE: 'in-process' }), inProcessExecutor);
  t.throws(() => runExecutorFromEnv({ PATHAUDIT_RUN_MODE: 'fork' }), { code: 'PATHAUDIT_ERR_CONFIG', message: /PATHAUDIT_RUN_MODE: expected process, thread or in-process \(got "fork"\)/ });
});
