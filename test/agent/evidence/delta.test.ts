// Delta classification rules, as pure functions over run documents.
import t from 'tap';
import { compareResults, computeDelta } from '../../../agent/evidence/delta.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { summarize } from '../../../agent/evidence/summary.js';
import type { CheckOutcome, FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';
import type { Severity, Status } from '../../../probes/types.js';

function result(control: string, resource: string, status: Status, severity: Severity = 'high', check = 'broker-transport'): ResultRecord {
  return { control, check, resource, status, severity, detail: `${control} ${status}`, evidence: status === 'skipped' ? [] : [`${check}:${control}`] };
}

/** A run document; every check that has results completed unless `outcomes` says otherwise. */
function docOf(id: string, results: ResultRecord[], outcomes: Record<string, CheckOutcome['outcome']> = {}): RunDocument {
  const findings: FindingRecord[] = results
    .filter((r) => r.status === 'fail' || r.status === 'warn')
    .map((r) => ({ fingerprint: fingerprintOf(r.control, r.resource), control: r.control, check: r.check, resource: r.resource, status: r.status as 'fail', severity: r.severity, title: r.control, detail: r.detail, remediation: 'fix', verification: 'rerun', standards: [], evidence: r.evidence, waived: false, waiver: null }));
  const checks = [...new Set([...results.map((r) => r.check), ...Object.keys(outcomes)])].map((check): CheckOutcome => ({ check, outcome: outcomes[check] ?? 'completed', durationMs: 1 }));
  return {
    run: { id, bundle: 'hardening-verification', trigger: 'cli', startedAt: '2026-11-01T00:00:00Z', finishedAt: '2026-11-01T00:00:01Z', status: 'completed', agentVersion: 't', configHash: 'c', gatewayId: 'gw', path: null, checks, previousHash: null, hash: null },
    summary: summarize(findings, results),
    results,
    findings,
    evidence: [],
  };
}

t.test('a result the later run did not observe is not re-tested, never improved; one first observed later is new', async (t) => {
  const side = (status: Status) => ({ status, severity: 'high' as Severity, detail: '', evidence: [] });
  for (const [a, b] of [
    ['fail', 'error'],
    ['fail', 'skipped'],
    ['pass', 'error'],
    ['error', 'error'],
    ['error', 'skipped'],
  ] as const) {
    t.equal(compareResults(side(a), side(b)).change, 'not-retested', `${a} → ${b}`);
  }
  for (const [a, b] of [
    ['error', 'pass'],
    ['skipped', 'pass'],
    ['error', 'fail'],
  ] as const) {
    t.equal(compareResults(side(a), side(b)).change, 'new', `${a} → ${b}: first observed in the later run, not an improvement`);
  }
  t.equal(compareResults(side('skipped'), side('skipped')).change, 'unchanged', 'the same prerequisite missing twice is unchanged, not improved');
  t.equal(compareResults(side('fail'), side('pass')).change, 'improved');
  t.equal(compareResults(side('warn'), side('pass')).change, 'improved');
  t.equal(compareResults(side('pass'), side('warn')).change, 'regressed');
  t.equal(compareResults(side('pass'), side('pass')).change, 'unchanged');
  t.equal(compareResults({ ...side('fail'), severity: 'high' }, { ...side('fail'), severity: 'low' }).change, 'improved', 'fail high → fail low (e.g. rebound to loopback) improves');
});

t.test('new and gone resources, findings resolved/new/persisting, and the headline', async (t) => {
  const from = docOf('run-a', [result('BT-01', 'mqtt 127.0.0.1:1883', 'fail'), result('BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical'), result('BT-03', 'mqtts 127.0.0.1:8883', 'error'), result('BT-08', 'ws 127.0.0.1:8080', 'fail')]);
  const to = docOf('run-b', [result('BT-01', 'mqtt 127.0.0.1:1883', 'pass'), result('BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical'), result('BT-03', 'mqtts 127.0.0.1:8883', 'pass'), result('BT-04', 'mqtts 127.0.0.1:8883', 'fail', 'medium')]);
  const d = computeDelta(from, to);
  const change = (c: string) => d.controls.find((x) => x.control === c)!.change;
  t.equal(change('BT-01'), 'improved');
  t.equal(change('BT-02'), 'unchanged');
  t.equal(change('BT-03'), 'new', 'error → pass: first observed, not an improvement');
  t.equal(change('BT-04'), 'new');
  t.equal(change('BT-08'), 'gone', 'broker-transport completed in run-b and no longer reports the WebSocket listener');
  t.same(d.counts, { regressed: 0, new: 2, improved: 1, 'not-retested': 0, gone: 1, unchanged: 1 });
  const fchange = (c: string) => d.findings.find((x) => x.control === c)!.change;
  t.equal(fchange('BT-01'), 'resolved');
  t.equal(fchange('BT-02'), 'persisting');
  t.equal(fchange('BT-04'), 'new');
  t.equal(fchange('BT-08'), 'resolved');
  t.match(d.findings.find((x) => x.control === 'BT-08')!.reason, /ran to completion in run-b and no longer reports ws 127\.0\.0\.1:8080/);
  t.match(d.findings.find((x) => x.control === 'BT-01')!.reason, /BT-01 pass in run-b/);
  t.equal(d.headline, '1 control improved · 0 regressions · 2 findings resolved · 1 new finding');
  t.equal(d.controls[0]!.change, 'new', 'with no regression, new results lead');
});

t.test('a finding whose check did not run, errored or was skipped in the later run is not re-tested, and still counts for the next move', async (t) => {
  const from = docOf('run-a', [
    result('BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical'),
    result('BC-09', 'key-file /etc/mosquitto/certs/server.key', 'fail', 'high', 'broker-cert'),
    result('IA-01', 'ingest https://127.0.0.1:8443/v1/ingest', 'fail', 'critical', 'ingest-auth'),
    result('GG-01', 'sshd', 'fail', 'high', 'gateway-guardrails'),
    result('GG-04', 'firewall', 'fail', 'high', 'gateway-guardrails'),
  ]);
  // broker-cert did not run; ingest-auth errored as a whole; GG-04 could not be observed; broker-transport fixed.
  const to = docOf(
    'run-b',
    [
      result('BT-02', 'mqtt 127.0.0.1:1883', 'pass', 'critical'),
      result('IA-01', 'ingest-auth', 'error', 'critical', 'ingest-auth'),
      result('GG-01', 'sshd', 'pass', 'high', 'gateway-guardrails'),
      result('GG-04', 'firewall', 'error', 'high', 'gateway-guardrails'),
    ],
    { 'ingest-auth': 'error' },
  );
  const d = computeDelta(from, to);
  const f = (c: string) => d.findings.find((x) => x.control === c)!;
  t.equal(f('BT-02').change, 'resolved');
  t.equal(f('GG-01').change, 'resolved');
  t.equal(f('BC-09').change, 'not-retested', 'broker-cert did not run: not resolved');
  t.match(f('BC-09').reason, /broker-cert did not run in run-b/);
  t.equal(f('IA-01').change, 'not-retested', 'ingest-auth failed: not resolved');
  t.match(f('IA-01').reason, /ingest-auth failed in run-b/);
  t.equal(f('GG-04').change, 'not-retested', 'an error result is not an observation');
  t.same(d.findingCounts, { new: 0, persisting: 0, 'not-retested': 3, resolved: 2 });
  t.equal(d.headline, '2 controls improved · 0 regressions · 2 findings resolved · 3 not re-tested');
  t.same(
    d.notRetestedChecks.map((c) => c.check),
    ['broker-cert', 'ingest-auth'],
    'the checks the later run did not re-test are named',
  );
  for (const c of d.controls.filter((x) => x.from && (x.check === 'broker-cert' || x.check === 'ingest-auth'))) t.equal(c.change, 'not-retested', `${c.control} ${c.resource}`);
  t.match(d.controls.find((x) => x.resource === 'ingest-auth')!, { change: 'new', to: { status: 'error' } }, 'the error result on the check itself is new, and claims nothing');
  t.notOk(
    d.controls.some((c) => c.change === 'gone'),
    'nothing is gone: the checks that lost results did not complete',
  );
  t.equal(to.summary.decision, 'hold', 'the later run alone would say hold…');
  t.equal(d.nextMove.decision, 'sprint', '…but the next move counts the critical IA-01 that was not re-tested');
  t.equal(d.nextMove.notRetested, 3);
  t.same(d.nextMove.findings, { critical: 1, high: 2, medium: 0, low: 0, info: 0 });
  t.match(d.nextMove.decisionRule, /counting 3 findings of run-a not re-tested in run-b/);
});

t.test('a posture on both sides: a check whose results come from the same run on both sides was not re-tested', async (t) => {
  const base = docOf('run-a', [result('BC-09', 'key-file /k', 'fail', 'high', 'broker-cert'), result('BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical')]);
  const later = docOf('run-b', [result('BT-02', 'mqtt 127.0.0.1:1883', 'pass', 'critical')]);
  // The posture after run-b: broker-transport from run-b, broker-cert still from run-a.
  const posture: RunDocument = {
    ...later,
    run: {
      ...later.run,
      id: 'posture@run-b',
      checks: [
        { check: 'broker-transport', outcome: 'completed', durationMs: 0, runId: 'run-b', startedAt: later.run.startedAt },
        { check: 'broker-cert', outcome: 'completed', durationMs: 0, runId: 'run-a', startedAt: base.run.startedAt },
      ],
    },
    results: [...later.results, base.results[0]!],
    findings: [base.findings[0]!],
  };
  const d = computeDelta(base, posture);
  t.equal(d.findings.find((x) => x.control === 'BC-09')!.change, 'not-retested', 'not "persisting": nothing looked at it again');
  t.match(d.findings.find((x) => x.control === 'BC-09')!.reason, /broker-cert has not run since run-a/);
  t.equal(d.findings.find((x) => x.control === 'BT-02')!.change, 'resolved');
  t.equal(d.controls.find((x) => x.control === 'BC-09')!.change, 'not-retested');
  t.equal(d.nextMove.findings.high, 1, 'counted once, not twice');
});

t.test('skipped in both runs is unchanged; a skipped finding is not re-tested', async (t) => {
  const from = docOf('run-a', [result('BT-06', 'mqtts 127.0.0.1:8883', 'skipped'), result('BT-07', 'mqtts 127.0.0.1:8883', 'fail', 'critical')]);
  const to = docOf('run-b', [result('BT-06', 'mqtts 127.0.0.1:8883', 'skipped'), result('BT-07', 'mqtts 127.0.0.1:8883', 'skipped')]);
  const d = computeDelta(from, to);
  t.equal(d.controls.find((x) => x.control === 'BT-06')!.change, 'unchanged');
  t.equal(d.controls.find((x) => x.control === 'BT-07')!.change, 'not-retested');
  t.equal(d.findings.find((x) => x.control === 'BT-07')!.change, 'not-retested');
  t.equal(d.nextMove.decision, 'sprint');
});

t.test('a broker that went down between the runs: nothing improved, no finding resolved', async (t) => {
  const weak = docOf('run-weak', [
    result('BT-01', 'mqtt 127.0.0.1:1883', 'fail'),
    result('BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical'),
    result('BT-03', 'mqtts 127.0.0.1:8883', 'fail'),
    result('BT-05', 'broker 127.0.0.1', 'pass'),
    result('BT-06', 'mqtts 127.0.0.1:8883', 'fail', 'medium'),
  ]);
  const down = docOf(
    'run-down',
    weak.results.map((r) => ({ ...result(r.control, r.resource, 'error'), detail: 'broker unreachable: no declared listener accepts a TCP connection' })),
  );
  const d = computeDelta(weak, down);
  t.equal(d.counts.improved, 0, 'no control improved');
  t.equal(d.counts['not-retested'], 5, 'every control is not re-tested');
  t.equal(d.findingCounts.resolved, 0, 'no finding resolved');
  t.equal(d.findingCounts['not-retested'], 4, 'the four findings were not re-tested');
  t.ok(d.findings.every((f) => f.change === 'not-retested'));
  t.equal(d.headline, '0 controls improved · 0 regressions · 4 not re-tested');
});

t.test('a finding whose control errored in the later run is not re-tested; one observed as pass is resolved', async (t) => {
  const from = docOf('a', [result('BT-07', 'mqtts 127.0.0.1:8883', 'fail', 'critical'), result('BT-01', 'mqtt 127.0.0.1:1883', 'fail')]);
  const to = docOf('b', [result('BT-07', 'mqtts 127.0.0.1:8883', 'error'), result('BT-01', 'mqtt 127.0.0.1:1883', 'pass')]);
  const d = computeDelta(from, to);
  t.equal(d.findings.find((f) => f.control === 'BT-07')!.change, 'not-retested');
  t.equal(d.findings.find((f) => f.control === 'BT-01')!.change, 'resolved');
});

t.test('a listener closed on purpose: its skipped "no listener" result observed the resource gone, so its finding is resolved, not left not re-tested', async (t) => {
  const ws = 'ws 127.0.0.1:8080';
  const from = docOf('a', [result('BT-08', ws, 'fail'), result('BT-01', ws, 'skipped')]);
  const closed = { ...result('BT-08', ws, 'skipped'), detail: 'no listener: nothing to judge (ECONNREFUSED)', gone: true as const };
  const d = computeDelta(from, docOf('b', [closed, result('BT-01', ws, 'skipped')]));
  t.match(d.findings, [{ control: 'BT-08', change: 'resolved', reason: /observed ws 127\.0\.0\.1:8080 gone in b: no listener/ }]);
  t.match(d.controls.find((c) => c.control === 'BT-08'), { change: 'gone', to: null });
  const plainSkip = computeDelta(from, docOf('c', [{ ...closed, gone: undefined }, result('BT-01', ws, 'skipped')]));
  t.equal(plainSkip.findings[0]!.change, 'not-retested', 'a skip that observed nothing stays not re-tested');
});
