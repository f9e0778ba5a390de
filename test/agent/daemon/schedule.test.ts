// Schedules on node-cron with the real run controller and lab: a bundle
// schedule starts runs with trigger "schedule", one at a time (a slot that
// fires during a run is skipped and logged), and the monthly snapshot
// schedule takes the snapshot.
import { Writable } from 'node:stream';
import t from 'tap';
import { getSnapshot } from '../../../agent/evidence/snapshot.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { createLogger } from '../../../agent/log.js';
import { jobOf, startSchedules } from '../../../agent/schedule/index.js';
import { openStore, storePathOf } from '../../../agent/store/index.js';
import { load } from '../../helpers/lab.js';
import { apiLab, BUNDLE } from '../api/helpers.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination: sink }) };
}

t.test('bundle schedules start runs with trigger "schedule", one at a time: overlapping slots are skipped and logged', async (t) => {
  const { gw } = await apiLab(t);
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  const { lines, log } = capture();
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log });
  // Two schedules firing every second on the same bundle: they collide by construction.
  const schedules = startSchedules(
    [
      { bundle: BUNDLE, cron: '* * * * * *' },
      { bundle: BUNDLE, cron: '* * * * * *', timezone: 'Europe/Paris', jitter_s: 0 },
    ],
    { runs, store, log },
  );
  t.teardown(async () => {
    await schedules.stop();
    await runs.stop(5000);
    store.close();
  });
  t.equal(schedules.describe().length, 2);
  t.equal(schedules.describe()[1]!.timezone, 'Europe/Paris');
  t.ok(schedules.describe().every((d) => d.next), 'each schedule knows its next slot');
  const until = Date.now() + 20_000;
  while (Date.now() < until && !(store.runs.list({ limit: 5, offset: 0, status: 'completed' }).total >= 1 && lines.some((l) => l.msg === 'schedule slot skipped: another run is in flight')))
    await new Promise((r) => setTimeout(r, 200));
  await schedules.stop();
  await runs.idle();
  const list = store.runs.list({ limit: 50, offset: 0 });
  t.ok(list.total >= 1, `${list.total} scheduled run(s)`);
  t.ok(list.items.every((i) => i.trigger === 'schedule'), 'trigger is "schedule"');
  t.equal(list.items.filter((i) => i.status === 'running').length, 0, 'nothing left running');
  const skipped = lines.find((l) => l.msg === 'schedule slot skipped: another run is in flight');
  t.ok(skipped, 'a colliding slot was skipped, not queued');
  t.match(String(skipped?.runningId), /^run-/, 'the skip names the run in flight');
  // Starts never overlapped: each run started after the previous one finished.
  const sorted = [...list.items].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  for (let i = 1; i < sorted.length; i++) t.ok(sorted[i]!.startedAt >= sorted[i - 1]!.finishedAt!, `run ${i} started after run ${i - 1} ended`);
});

t.test('the monthly snapshot schedule takes the snapshot of the current month', async (t) => {
  const { gw } = await apiLab(t);
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  const { log } = capture();
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log });
  t.teardown(async () => {
    await runs.stop(5000);
    store.close();
  });
  runs.start({ bundle: BUNDLE, trigger: 'api' });
  await runs.idle();
  await jobOf({ snapshot: 'monthly', cron: '0 3 1 * *' }, { runs, store, log }, 'snapshot')();
  const month = new Date().toISOString().slice(0, 7);
  const snap = getSnapshot(store, month);
  t.ok(snap, `snapshot for ${month} exists`);
  t.equal(snap?.month, month);
});
