// Delta classification rules, as pure functions over run documents.
import t from 'tap';
import { compareResults, computeDelta } from '../../../agent/evidence/delta.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { summarize } from '../../../agent/evidence/summary.js';
import type { FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';
import type { Severity, Status } from '../../../probes/types.js';

function result(control: string, resource: string, status: Status, severity: Severity = 'high'): ResultRecord {
  return { control, check: 'broker-transport', resource, status, severity, detail: `${control} ${status}`, evidence: status === 'skipped' ? [] : [`broker-transport:${control}`] };
}

function docOf(id: string, results: ResultRecord[]): RunDocument {
  const findings: FindingRecord[] = results
    .filter((r) => r.status === 'fail' || r.status === 'warn')
    .map((r) => ({ fingerprint: fingerprintOf(r.control, r.resource), control: r.control, check: r.check, resource: r.resource, status: r.status as 'fail', severity: r.severity, title: r.control, detail: r.detail, remediation: 'fix', verification: 'rerun', standards: [], evidence: r.evidence, waived: false, waiver: null }));
  return {
    run: { id, bundle: 'hardening-verification', trigger: 'cli', startedAt: '2026-11-01T00:00:00Z', finishedAt: '2026-11-01T00:00:01Z', status: 'completed', agentVersion: 't', configHash: 'c', gatewayId: 'gw', path: null, checks: [], previousHash: null, hash: null },
    summary: summarize(findings, results),
    results,
    findings,
    evidence: [],
  };
}

t.test('an error or skipped result on either side is not comparable, never improved', async (t) => {
  const side = (status: Status) => ({ status, severity: 'high' as Severity, detail: '', evidence: [] });
  for (const [a, b] of [
    ['error', 'pass'],
    ['skipped', 'pass'],
    ['fail', 'error'],
    ['fail', 'skipped'],
    ['error', 'error'],
  ] as const) {
    t.equal(compareResults(side(a), side(b)).change, 'not-comparable', `${a} → ${b}`);
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
  t.equal(change('BT-03'), 'not-comparable', 'error → pass is not an improvement');
  t.equal(change('BT-04'), 'new');
  t.equal(change('BT-08'), 'gone');
  t.same(d.counts, { regressed: 0, new: 1, improved: 1, 'not-comparable': 1, gone: 1, unchanged: 1 });
  const fchange = (c: string) => d.findings.find((x) => x.control === c)!.change;
  t.equal(fchange('BT-01'), 'resolved');
  t.equal(fchange('BT-02'), 'persisting');
  t.equal(fchange('BT-04'), 'new');
  t.equal(fchange('BT-08'), 'resolved');
  t.equal(d.headline, '1 control improved · 0 regressions · 2 findings resolved · 1 new finding · 1 not comparable');
  t.equal(d.controls[0]!.change, 'new', 'with no regression, new results lead');
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
  t.equal(d.counts['not-comparable'], 5, 'every control is not comparable');
  t.equal(d.findingCounts.resolved, 0, 'no finding resolved');
  t.equal(d.findingCounts['not-retested'], 4, 'the four findings were not re-tested');
  t.ok(d.findings.every((f) => f.change === 'not-retested'));
  t.equal(d.headline, '0 controls improved · 0 regressions · 4 not re-tested · 5 not comparable');
});

t.test('a finding whose control errored in the later run is not re-tested; one observed as pass is resolved', async (t) => {
  const from = docOf('a', [result('BT-07', 'mqtts 127.0.0.1:8883', 'fail', 'critical'), result('BT-01', 'mqtt 127.0.0.1:1883', 'fail')]);
  const to = docOf('b', [result('BT-07', 'mqtts 127.0.0.1:8883', 'error'), result('BT-01', 'mqtt 127.0.0.1:1883', 'pass')]);
  const d = computeDelta(from, to);
  t.equal(d.findings.find((f) => f.control === 'BT-07')!.change, 'not-retested');
  t.equal(d.findings.find((f) => f.control === 'BT-01')!.change, 'resolved');
});
