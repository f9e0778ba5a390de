// One run lifecycle for the CLI, the API and schedules (agent/runner/lifecycle.ts):
// recorded as running, executed, stored into the chain or marked aborted, the
// baseline marked — the same whether the checks run in the CLI's process or
// under the daemon's run controller.
import { join } from 'node:path';
import t from 'tap';
import { RunController } from '../../agent/daemon/runs.js';
import { PathauditError } from '../../agent/errors.js';
import { getBaseline } from '../../agent/evidence/baseline.js';
import { silentLogger } from '../../agent/log.js';
import { inProcessExecutor } from '../../agent/runner/executor.js';
import { runInProcess } from '../../agent/runner/index.js';
import { RunNotStored, startRun } from '../../agent/runner/lifecycle.js';
import { openStore, storeWrite } from '../../agent/store/index.js';
import { labGateway, load, tempDir } from '../helpers/lab.js';

t.test('the first completed audit-baseline run becomes the baseline, run by the CLI or by the daemon', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const loaded = load(gw.configFile);
  const dir = tempDir(t);

  const cliStore = openStore(join(dir, 'cli.db'));
  t.teardown(() => cliStore.close());
  const first = await runInProcess({ loaded, store: cliStore, bundle: 'audit-baseline', trigger: 'cli', log: silentLogger() });
  t.equal(first.doc.run.status, 'completed');
  t.ok(first.baselineSet, 'the CLI run says it became the baseline');
  t.equal(getBaseline(cliStore), first.doc.run.id);
  const second = await runInProcess({ loaded, store: cliStore, bundle: 'audit-baseline', trigger: 'cli', log: silentLogger() });
  t.notOk(second.baselineSet, 'a later run leaves the baseline alone');
  t.equal(getBaseline(cliStore), first.doc.run.id);

  const daemonStore = openStore(join(dir, 'daemon.db'));
  t.teardown(() => daemonStore.close());
  const runs = new RunController({ store: daemonStore, config: () => loaded, executor: inProcessExecutor, log: silentLogger() });
  let finished = '';
  runs.on('finished', (doc) => (finished = doc.run.id));
  const started = runs.start({ bundle: 'audit-baseline', trigger: 'schedule' });
  t.equal(daemonStore.runs.get(started.id)?.run.status, 'running', 'recorded as running before it executes');
  await runs.idle();
  t.equal(finished, started.id);
  t.equal(getBaseline(daemonStore), started.id, 'the daemon run became the baseline through the same lifecycle');
  t.same(daemonStore.runs.verifyChain(), []);
});

t.test('a run whose execution fails is marked aborted and reported as the run\'s failure, with its reason', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const loaded = load(gw.configFile);
  const store = openStore(join(tempDir(t), 'p.db'));
  t.teardown(() => store.close());
  const run = startRun(
    { loaded, bundle: null, checks: 'broker-transport', trigger: 'api' },
    { store, log: silentLogger(), executor: () => ({ done: Promise.reject(new Error('run process exited (SIGKILL) before reporting')), cancel: async () => {} }) },
  );
  const err = await run.ended.then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof RunNotStored, 'rejects with RunNotStored');
  const failure = err as RunNotStored;
  t.equal(failure.code, 'PATHAUDIT_ERR_RUN');
  t.equal(failure.message, `run ${run.id} failed: run process exited (SIGKILL) before reporting`);
  t.equal(failure.reason, 'run process exited (SIGKILL) before reporting');
  t.ok(failure.marked, 'its row was marked');
  t.equal(store.runs.get(run.id)?.run.status, 'aborted');
});

t.test('a finished run the store refuses is marked aborted and reported as the store error that names the store', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const loaded = load(gw.configFile);
  const store = openStore(join(tempDir(t), 'q.db'));
  t.teardown(() => store.close());
  // A stand-in for a disk that fills up between the run's start and its end
  // (test/reliability/state-dir.test.ts does it with a real full filesystem):
  // only the write of the finished run fails.
  const writer = {
    write: <T>(operation: string, fn: () => T): T =>
      storeWrite(store.file, operation, () => {
        if (operation === 'store the finished run') throw new Error('SQLITE_FULL: database or disk is full');
        return fn();
      }),
  };
  const run = startRun({ loaded, bundle: null, checks: 'broker-transport', trigger: 'cli' }, { store, log: silentLogger(), executor: inProcessExecutor, writer });
  const err = (await run.ended.then(
    () => null,
    (e: unknown) => e,
  )) as RunNotStored;
  t.ok(err instanceof RunNotStored);
  t.equal(err.code, 'PATHAUDIT_ERR_STORE', 'a store failure is reported as the store\'s');
  t.equal((err as PathauditError).exitCode, 3);
  t.match(err.message, `store ${store.file}: cannot store the finished run: SQLITE_FULL`);
  t.equal(store.runs.get(run.id)?.run.status, 'aborted', 'the run is not left running');
});
