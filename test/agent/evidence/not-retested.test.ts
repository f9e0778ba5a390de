// The proof must be exact: a baseline over broker-transport, broker-cert and
// ingest-auth on the weak lab, the whole lab hardened, then a rerun of
// broker-transport alone. Nothing the rerun did not look at may be called
// resolved, the headline says how much was not re-tested, and the next move
// does not get better because of what nobody re-tested — through the CLI,
// the API and the reports.
import t from 'tap';
import type { Delta } from '../../../agent/evidence/delta.js';
import { cli } from '../../helpers/cli.js';
import { AUTH, testApi } from '../api/helpers.js';

t.test('a broker-transport rerun after a three-check baseline resolves no broker-cert or ingest-auth finding and keeps the sprint', async (t) => {
  const { gw, api } = await testApi(t);
  const cfg = ['--config', gw.configFile];

  const base = await cli(['run', '--check', 'broker-transport,broker-cert,ingest-auth', '--format', 'json', ...cfg]);
  t.equal(base.code, 0, base.stderr);
  const baseline = JSON.parse(base.stdout);
  t.equal((await cli(['baseline', 'set', baseline.run.id, ...cfg])).code, 0);
  t.equal(baseline.summary.decision, 'sprint');
  const bcIa = baseline.findings.filter((f: { check: string }) => f.check === 'broker-cert' || f.check === 'ingest-auth');
  t.ok(bcIa.some((f: { check: string }) => f.check === 'broker-cert'), 'the baseline has broker-cert findings (the 0644 key)');
  t.ok(bcIa.some((f: { severity: string; check: string }) => f.check === 'ingest-auth' && f.severity === 'critical'), 'and critical ingest-auth findings');

  await gw.reconfigure('hardened');
  const rerun = await cli(['run', '--check', 'broker-transport', '--format', 'json', ...cfg]);
  t.equal(rerun.code, 0, rerun.stderr);
  const doc = JSON.parse(rerun.stdout);
  t.equal(doc.findings.length, 0, 'the hardened broker alone has no finding…');
  t.equal(doc.summary.decision, 'hold', '…so this run alone would say hold');

  const d = await cli(['delta', '--format', 'json', ...cfg]);
  t.equal(d.code, 0, d.stderr);
  const delta = JSON.parse(d.stdout) as Delta;
  const resolved = delta.findings.filter((f) => f.change === 'resolved');
  t.ok(resolved.length > 0, 'the broker-transport findings are resolved');
  t.same(
    resolved.filter((f) => f.check !== 'broker-transport'),
    [],
    'no BC or IA finding is resolved',
  );
  const notRetested = delta.findings.filter((f) => f.change === 'not-retested');
  t.same(notRetested.map((f) => f.fingerprint).sort(), bcIa.map((f: { fingerprint: string }) => f.fingerprint).sort(), 'every BC and IA finding is not re-tested');
  t.match(delta.headline, new RegExp(`· ${bcIa.length} not re-tested$`), `the headline counts them: ${delta.headline}`);
  t.same(delta.notRetestedChecks.map((c) => c.check).sort(), ['broker-cert', 'ingest-auth']);
  t.equal(delta.nextMove.decision, 'sprint', 'the next move does not improve because of findings nobody re-tested');
  t.equal(delta.nextMove.notRetested, bcIa.filter((f: { waived: boolean }) => !f.waived).length);

  const text = await cli(['delta', ...cfg]);
  t.match(text.stdout, new RegExp(`${bcIa.length} not re-tested`));
  t.match(text.stdout, /not re-tested: broker-cert did not run in run-/);
  t.match(text.stdout, /next move after run-\S+: sprint/);

  // The report of the rerun: its leadership summary is the path as the rerun left it.
  const report = await cli(['report', 'latest', '--format', 'text', ...cfg]);
  t.match(report.stdout, /this run: Hardened path · 0 findings/);
  t.match(report.stdout, new RegExp(`broker-cert: run ${baseline.run.id}`), 'it names the run broker-cert results come from');
  t.match(report.stdout, /\nnext move: sprint/, 'next move: sprint, not hold');
  const md = await cli(['report', 'latest', '--format', 'md', ...cfg]);
  t.match(md.stdout, /Recommended next move: \*\*Focused sprint\*\*/);
  t.match(md.stdout, /IA-01 Ingest request without credentials accepted/, 'the backlog still holds the ingest finding');

  // The API: /v1/delta and /v1/backlog (built from the posture) agree.
  const apiDelta = (await api.app.inject({ method: 'GET', url: '/v1/delta', headers: AUTH })).json<Delta>();
  t.equal(apiDelta.headline, delta.headline);
  t.equal(apiDelta.nextMove.decision, 'sprint');
  const backlog = (await api.app.inject({ method: 'GET', url: '/v1/backlog', headers: AUTH })).json();
  t.equal(backlog.runId, doc.run.id);
  t.same(
    backlog.drawsOn.map((s: { check: string; runId: string }) => [s.check, s.runId]),
    [
      ['broker-cert', baseline.run.id],
      ['broker-transport', doc.run.id],
      ['ingest-auth', baseline.run.id],
    ],
    'the backlog says which run each check comes from',
  );
  t.same(backlog.items.map((i: { fingerprint: string }) => i.fingerprint).sort(), bcIa.filter((f: { waived: boolean }) => !f.waived).map((f: { fingerprint: string }) => f.fingerprint).sort());
  t.ok(
    backlog.items.some((i: { control: string; severity: string; runId: string }) => i.control === 'IA-01' && i.severity === 'critical' && i.runId === baseline.run.id),
    'the critical IA-01 of the baseline is in the backlog, with the run that observed it',
  );
});
