// The store: migrations, the run lifecycle and the tamper-evident chain.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../agent/store/index.js';
import { MIGRATIONS } from '../../agent/store/migrations.js';
import { currentOwner } from '../../agent/store/owner.js';
import { labGateway, load, tempDir } from '../helpers/lab.js';
import { runAndStore } from '../../agent/runner/index.js';
import type { RunDocument } from '../../agent/runner/document.js';
import { silentLogger } from '../../agent/log.js';
import { executeRun } from '../../agent/runner/execute.js';

t.test('migrations run once and record the schema version', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const s1 = openStore(file);
  t.equal(s1.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  s1.close();
  const s2 = openStore(file); // reopening applies nothing twice
  t.equal(s2.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  s2.close();
});

t.test('a store from a newer agent is refused with a clear error', async (t) => {
  const file = join(tempDir(t), 'b.db');
  const s = openStore(file);
  s.db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
  s.close();
  t.throws(() => openStore(file), { code: 'PATHAUDIT_ERR_STORE', message: /newer than this agent understands/ });
});

t.test('runs chain: each links to the previous; editing a stored run breaks verification', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const loaded = load(gw.configFile);
  const store = openStore(join(tempDir(t), 'chain.db'));
  t.teardown(() => store.close());
  const docs: RunDocument[] = [];
  for (let i = 0; i < 3; i++) docs.push(await runAndStore({ loaded, store, bundle: null, checks: 'broker-transport', trigger: 'cli', log: silentLogger() }));
  t.equal(docs[0]!.run.previousHash, null);
  t.equal(docs[1]!.run.previousHash, docs[0]!.run.hash);
  t.equal(docs[2]!.run.previousHash, docs[1]!.run.hash);
  t.same(store.runs.verifyChain(), [], 'chain verifies');
  t.same(store.runs.get(docs[1]!.run.id), docs[1], 'a stored run reads back exactly');

  store.db.prepare("UPDATE results SET status = 'pass' WHERE run_id = ? AND status != 'pass'").run(docs[0]!.run.id);
  store.db.prepare("UPDATE results SET detail = 'edited' WHERE run_id = ? AND idx = 0").run(docs[0]!.run.id);
  const problems = store.runs.verifyChain();
  t.match(problems, [new RegExp(`run ${docs[0]!.run.id}: stored hash does not match its content`)]);

  store.db.prepare('UPDATE evidence SET data_json = ? WHERE run_id = ? AND rowid = (SELECT min(rowid) FROM evidence WHERE run_id = ?)').run('{"forged":true}', docs[2]!.run.id, docs[2]!.run.id);
  t.ok(store.runs.verifyChain().some((p) => p.includes(`run ${docs[2]!.run.id}: evidence`)), 'edited evidence is caught by its sha256');
});

t.test('two runs in flight at once: whichever finishes first links first, and the chain holds', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const loaded = load(gw.configFile);
  const store = openStore(join(tempDir(t), 'overlap.db'));
  t.teardown(() => store.close());
  const first = await runAndStore({ loaded, store, bundle: null, checks: 'broker-transport', trigger: 'cli', log: silentLogger() });
  const exec = () => executeRun({ loaded, bundle: 'checks:broker-transport', checks: ['broker-transport'], trigger: 'cli', log: silentLogger() });
  const [early, late] = [await exec(), await exec()];
  store.runs.begin(early.run); // began first …
  store.runs.begin(late.run);
  const lateStored = store.runs.finish(late); // … finished last
  const earlyStored = store.runs.finish(early);
  t.equal(lateStored.run.previousHash, first.run.hash);
  t.equal(earlyStored.run.previousHash, lateStored.run.hash, 'the run that finished last links to the one that finished before it');
  t.same(store.runs.verifyChain(), [], 'the chain verifies in finishing order');
});

t.test('migration 5 gives the runs chained before it their begin order, which is how they were linked', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const loaded = load(gw.configFile);
  const file = join(tempDir(t), 'v4.db');
  let store = openStore(file);
  const run = () => runAndStore({ loaded, store, bundle: null, checks: 'broker-transport', trigger: 'cli', log: silentLogger() });
  // Runs as an agent of schema 4 recorded them: no host facts (read since migration 9).
  const oldRun = async () => {
    const doc = await executeRun({ loaded, bundle: 'checks:broker-transport', checks: ['broker-transport'], trigger: 'cli', log: silentLogger() });
    const { host: _host, ...run } = doc.run;
    return store.runs.finish({ ...doc, run });
  };
  const before = [await oldRun(), await oldRun()];
  // Back to the schema of migration 4, as an older agent left it.
  store.db.exec('DROP TABLE bundle_exports; DROP INDEX runs_chain; DROP INDEX results_observed; ALTER TABLE results DROP COLUMN gone; ALTER TABLE runs DROP COLUMN host_json; ALTER TABLE runs DROP COLUMN chain_seq; ALTER TABLE runs DROP COLUMN owner;');
  store.db.pragma('user_version = 4');
  store.close();
  store = openStore(file);
  t.teardown(() => store.close());
  t.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  t.same(store.runs.verifyChain(), [], 'the old chain verifies after the migration');
  const next = await run();
  t.equal(next.run.previousHash, before[1]!.run.hash, 'the next run links to the last one finished before the upgrade');
  t.same(store.runs.verifyChain(), []);
});

t.test('runs left running by a crash are marked aborted and stay out of the chain; a run whose process still runs is left alone', async (t) => {
  const store = openStore(join(tempDir(t), 'crash.db'));
  t.teardown(() => store.close());
  const header = (id: string) => ({
    id, bundle: 'b', trigger: 'cli' as const, startedAt: new Date().toISOString(), finishedAt: null, status: 'running' as const,
    agentVersion: '0', configHash: 'h', gatewayId: 'g', path: null, checks: [], previousHash: null, hash: null,
  });
  const ended = spawnSync(process.execPath, ['-e', '0']).pid; // a process that has exited
  const [, , myStart] = currentOwner().split('/');
  store.runs.begin(header('run-legacy'), null); // written before owners were recorded
  store.runs.begin(header('run-crashed'), `${hostname()}/${ended}/1`);
  store.runs.begin(header('run-recycled-pid'), `${hostname()}/${process.pid}/${myStart}0`); // this pid, another start time
  store.runs.begin(header('run-other-host'), `not-${hostname()}/${process.pid}/${myStart}`);
  store.runs.begin(header('run-in-flight')); // owned by this (live) process, like a `pathaudit run` beside serve
  t.same(store.runs.abortUnfinished(), ['run-legacy', 'run-crashed', 'run-recycled-pid', 'run-other-host']);
  for (const id of ['run-legacy', 'run-crashed', 'run-recycled-pid', 'run-other-host']) t.equal(store.runs.get(id)!.run.status, 'aborted', id);
  t.equal(store.runs.get('run-in-flight')!.run.status, 'running', 'the live run is left alone');
  t.same(store.runs.inFlight().map((r) => r.id), ['run-in-flight']);
  t.same(store.runs.verifyChain(), []);
});
