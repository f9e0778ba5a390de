// The store: migrations, the run lifecycle and the tamper-evident chain.
import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../agent/store/index.js';
import { MIGRATIONS } from '../../agent/store/migrations.js';
import { labGateway, load, tempDir } from '../helpers/lab.js';
import { runAndStore } from '../../agent/runner/index.js';
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
  const docs = [];
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
  const before = [await run(), await run()];
  // Back to the schema of migration 4, as an older agent left it.
  store.db.exec('DROP INDEX runs_chain; ALTER TABLE runs DROP COLUMN chain_seq;');
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

t.test('runs left running by a crash are marked aborted and stay out of the chain', async (t) => {
  const store = openStore(join(tempDir(t), 'crash.db'));
  t.teardown(() => store.close());
  store.runs.begin({
    id: 'run-x', bundle: 'b', trigger: 'cli', startedAt: new Date().toISOString(), finishedAt: null, status: 'running',
    agentVersion: '0', configHash: 'h', gatewayId: 'g', path: null, checks: [], previousHash: null, hash: null,
  });
  t.same(store.runs.abortUnfinished(), ['run-x']);
  t.equal(store.runs.get('run-x')!.run.status, 'aborted');
  t.same(store.runs.verifyChain(), []);
});
