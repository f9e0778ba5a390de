// The engagement on the lab, end to end: audit the weak gateway (baseline),
// harden it, rerun (before/after proof), weaken one control again (a
// regression, and the next move changes), then the monthly snapshots.
import t from 'tap';
import { buildBacklog } from '../../../agent/evidence/backlog.js';
import { ensureBaseline, getBaseline, setBaseline } from '../../../agent/evidence/baseline.js';
import { computeDelta } from '../../../agent/evidence/delta.js';
import { getSnapshot, takeSnapshot } from '../../../agent/evidence/snapshot.js';
import { PathauditError } from '../../../agent/errors.js';
import { storedLab } from './helpers.js';

const key = (r: { control: string; resource: string }) => `${r.control} ${r.resource}`;

t.test('weak → hardened → one control weakened again: delta, regression, next move and snapshots', async (t) => {
  const lab = await storedLab(t, { profile: 'weak' });
  const { store } = lab;

  // Audit: the weak gateway, placed in September so that snapshots fall in distinct months.
  const weak = await lab.run(new Date('2026-09-15T10:00:00Z'));
  t.equal(weak.run.status, 'completed');
  t.ok(weak.findings.length >= 4, `weak gateway has findings (${weak.findings.length})`);
  t.equal(weak.summary.posture, 'exposed');
  t.equal(weak.summary.decision, 'sprint', 'a critical finding (anonymous CONNECT) calls for a focused sprint');
  t.equal(ensureBaseline(store, weak), false, 'a broker-transport check list is not an audit-baseline run: no automatic baseline');
  t.equal(getBaseline(store), null);
  setBaseline(store, weak.run.id);
  t.equal(getBaseline(store), weak.run.id, 'baseline set explicitly');

  // Sprint: harden in place, rerun the same path.
  await lab.gw.reconfigure('hardened');
  const hard = await lab.run(new Date('2026-10-15T10:00:00Z'));
  t.equal(hard.findings.length, 0, `hardened gateway has no findings (${hard.findings.map(key).join(', ')})`);
  t.equal(hard.summary.posture, 'hardened');
  t.equal(hard.summary.decision, 'hold');

  const sprint = computeDelta(weak, hard);
  t.comment(`sprint delta: ${sprint.headline}`);
  const fixed = weak.results.filter((r) => r.status === 'fail' && hard.results.find((h) => key(h) === key(r))?.status === 'pass').map(key);
  t.ok(fixed.length >= 4, `controls fixed by hardening: ${fixed.join(', ')}`);
  const improved = sprint.controls.filter((c) => c.change === 'improved').map(key);
  t.same(improved.sort(), [...fixed].sort(), 'every fixed control result is reported improved, and nothing else');
  t.equal(sprint.counts.regressed, 0, '0 regressions');
  t.match(sprint.headline, new RegExp(`^${fixed.length} controls improved · 0 regressions · ${weak.findings.length} findings resolved`));
  t.same(
    sprint.findings.filter((f) => f.change === 'resolved').map((f) => f.fingerprint).sort(),
    weak.findings.map((f) => f.fingerprint).sort(),
    'every weak finding resolved, by fingerprint',
  );
  t.notOk(sprint.controls.some((c) => c.change === 'improved' && (c.from!.status === 'error' || c.from!.status === 'skipped' || c.to!.status === 'error')), 'no unobserved result counted as improved');

  // Retainer: someone re-enables anonymous access.
  await lab.gw.reconfigure('hardened', { anonymous: true });
  const drifted = await lab.run(new Date('2026-11-20T10:00:00Z'));
  const drift = computeDelta(hard, drifted);
  t.comment(`drift delta: ${drift.headline}; next move ${hard.summary.decision} → ${drifted.summary.decision}`);
  const regressed = drift.controls.filter((c) => c.change === 'regressed');
  t.ok(regressed.length >= 1, 'a regression is reported');
  t.ok(regressed.every((c) => c.control === 'BT-02'), `only BT-02 regressed (${regressed.map(key).join(', ')})`);
  t.equal(drift.controls[0]!.change, 'regressed', 'regressions are listed first');
  t.match(drift.headline, /^0 controls improved · \d+ regressions?/);
  t.ok(drift.findings.some((f) => f.change === 'new' && f.control === 'BT-02'), 'the BT-02 finding is new');
  t.not(drifted.summary.decision, hard.summary.decision, 'the next move changes');
  t.equal(drifted.summary.decision, 'sprint', 'an open critical finding calls for a focused sprint again');
  t.equal(buildBacklog(drifted)[0]!.control, 'BT-02', 'the regression tops the backlog');

  // Monthly snapshots: October (the hardened run), then November (the drift).
  const now = new Date('2026-11-26T12:00:00Z');
  const october = takeSnapshot(store, '2026-10', now);
  t.equal(october.latest?.runId, hard.run.id, 'October pins the latest completed run before November');
  t.equal(october.deltaToBaseline?.counts.regressed, 0);
  t.equal(october.deltaToBaseline?.counts.improved, fixed.length, 'October: delta to the baseline shows the sprint');
  t.equal(october.previous, null);
  const november = takeSnapshot(store, '2026-11', now);
  t.equal(november.latest?.runId, drifted.run.id);
  t.equal(november.previous?.month, '2026-10');
  t.ok(november.drift && november.drift.counts.regressed >= 1, 'drift since October shows the regression');
  t.equal(november.regressions[0]?.control, 'BT-02', 'regressions first');
  t.equal(november.regressions[0]?.against, 'previous-snapshot');
  t.match(november.headline, /regression/);
  t.same(getSnapshot(store, '2026-11'), november, 'the snapshot is stored and read back as taken');
  t.equal(getSnapshot(store, '2026-08'), null);
  t.throws(() => takeSnapshot(store, '2026-13', now), PathauditError, 'a malformed month is a usage error');
  t.throws(() => takeSnapshot(store, '2027-01', now), /has not begun/);
});

t.test('setBaseline refuses unknown and unfinished runs with coded errors', async (t) => {
  const lab = await storedLab(t, { profile: 'hardened' });
  t.throws(() => setBaseline(lab.store, 'run-nope'), { code: 'PATHAUDIT_ERR_NOT_FOUND' });
  lab.store.runs.begin({ ...(await lab.run()).run, id: 'run-still-running', status: 'running', finishedAt: null, hash: null });
  t.throws(() => setBaseline(lab.store, 'run-still-running'), { code: 'PATHAUDIT_ERR_USAGE' });
});

t.test('the first completed audit-baseline run becomes the baseline, later ones do not move it', async (t) => {
  const lab = await storedLab(t, { profile: 'hardened' });
  const doc = await lab.run();
  const asAudit = { ...doc, run: { ...doc.run, bundle: 'audit-baseline' } };
  t.equal(ensureBaseline(lab.store, asAudit), true);
  t.equal(getBaseline(lab.store), doc.run.id);
  const second = await lab.run();
  t.equal(ensureBaseline(lab.store, { ...second, run: { ...second.run, bundle: 'audit-baseline' } }), false, 'an existing baseline stays');
  t.equal(getBaseline(lab.store), doc.run.id);
  t.equal(ensureBaseline(lab.store, { ...second, run: { ...second.run, bundle: 'audit-baseline', status: 'failed' } }), false);
});
