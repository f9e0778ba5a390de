// Retention against a real store filled by real runs on the lab: old runs
// become tombstones, the baseline, snapshot runs and the latest run stay,
// and the chain still verifies — while tampering with a tombstone is caught.
import t from 'tap';
import { getBaseline, setBaseline } from '../../../agent/evidence/baseline.js';
import { takeSnapshot } from '../../../agent/evidence/snapshot.js';
import { protectedRuns, pruneRuns } from '../../../agent/daemon/retention.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { silentLogger } from '../../../agent/log.js';
import { openStore, storePathOf } from '../../../agent/store/index.js';
import { load } from '../../helpers/lab.js';
import { apiLab, BUNDLE } from '../api/helpers.js';

const DAY = 86_400_000;

t.test('runs older than retention_days become tombstones except baseline, snapshot and latest runs; the chain still verifies', async (t) => {
  const { gw } = await apiLab(t);
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  t.teardown(() => store.close());
  const today = new Date();
  let clock = today;
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger(), now: () => clock });
  const runAt = async (daysAgo: number) => {
    clock = new Date(today.getTime() - daysAgo * DAY);
    const { id } = runs.start({ bundle: BUNDLE, trigger: 'schedule' });
    await runs.idle();
    return id;
  };
  const baseline = await runAt(500);
  setBaseline(store, baseline);
  const snapshotRun = await runAt(450);
  takeSnapshot(store, clock.toISOString().slice(0, 7), new Date(clock.getTime() + DAY));
  const old = await runAt(420);
  const recent = await runAt(10);
  t.same(store.runs.verifyChain(), [], 'chain holds before pruning');
  t.same([...protectedRuns(store)].sort(), [baseline, snapshotRun, recent].sort(), 'baseline, snapshot run and latest run are protected');

  const outcome = pruneRuns(store, 400, today);
  t.same(outcome.pruned, [old], 'only the unprotected old run is pruned');
  t.same(outcome.kept.sort(), [baseline, snapshotRun].sort(), 'old but protected runs are kept');
  t.equal(store.runs.get(old), null, 'a pruned run is no longer served');
  t.ok(store.runs.isPruned(old));
  const n = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(old) as { n: number }).n;
  t.same([n('results'), n('findings'), n('evidence')], [0, 0, 0], 'its results, findings and evidence are deleted');
  const tomb = store.runs.list({ limit: 10, offset: 0 }).items.find((i) => i.id === old);
  t.ok(tomb?.hash && tomb.summary, 'the tombstone keeps its hash and summary (history charts still see it)');
  t.same(store.runs.verifyChain(), [], 'the chain still verifies across the tombstone');
  t.equal(getBaseline(store), baseline);
  t.ok(store.runs.get(baseline) && store.runs.get(snapshotRun) && store.runs.get(recent), 'protected runs read back whole');

  t.same(pruneRuns(store, 400, today).pruned, [], 'pruning again changes nothing');

  // A tombstone is still part of the chain: editing its hash breaks the next link.
  store.db.prepare('UPDATE runs SET hash = ? WHERE id = ?').run('0'.repeat(64), old);
  const problems = store.runs.verifyChain();
  t.ok(problems.some((p) => p.includes(recent) && p.includes('previous-run hash')), `tampering detected: ${problems.join('; ')}`);
});

t.test('retention keeps the latest finished run even when it is older than the retention age, and is off without retention_days', async (t) => {
  const { gw } = await apiLab(t);
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  t.teardown(() => store.close());
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger(), now: () => new Date(Date.now() - 900 * DAY) });
  const { id } = runs.start({ bundle: BUNDLE, trigger: 'api' });
  await runs.idle();
  t.same(pruneRuns(store, undefined, new Date()).pruned, [], 'no retention_days: nothing is pruned');
  const outcome = pruneRuns(store, 30, new Date());
  t.same(outcome.pruned, [], 'the only (latest) run is kept: the posture never goes blank');
  t.same(outcome.kept, [id]);
});
