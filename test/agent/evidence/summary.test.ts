// The leadership summary: the next move names what triggered it, and the top
// risks always show those findings, whatever the ranking puts first.
import t from 'tap';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { decide, leadershipSummary, summarize } from '../../../agent/evidence/summary.js';
import type { FindingRecord, RunDocument } from '../../../agent/runner/document.js';
import type { Severity } from '../../../probes/types.js';

function finding(control: string, check: string, resource: string, severity: Severity): FindingRecord {
  return { fingerprint: fingerprintOf(control, resource), control, check, resource, status: 'fail', severity, title: `${control} title`, detail: '', remediation: 'fix', verification: 'rerun', standards: [], evidence: [`${check}:${control}`], waived: false, waiver: null };
}

function docOf(findings: FindingRecord[], thresholds = {}): RunDocument {
  const results = findings.map((f) => ({ control: f.control, check: f.check, resource: f.resource, status: f.status, severity: f.severity, detail: '', evidence: f.evidence }));
  return {
    run: { id: 'run-x', bundle: 'audit-baseline', trigger: 'cli', startedAt: '2026-11-01T00:00:00Z', finishedAt: '2026-11-01T00:00:01Z', status: 'completed', agentVersion: 't', configHash: 'c', gatewayId: 'gw', path: null, checks: [], previousHash: null, hash: null },
    summary: summarize(findings, results, thresholds),
    results,
    findings,
    evidence: [],
  };
}

t.test('a sprint chosen for a loopback-only critical lists that critical among the top risks, above better-scored highs', async (t) => {
  // The critical scores 10 × 0.5 (loopback) = 5; each high 6 × 1.0 (no address) = 6: ranked below all four.
  const critical = finding('BT-02', 'broker-transport', 'mqtt 127.0.0.1:1883', 'critical');
  const highs = ['GG-01', 'GG-02', 'GG-04', 'GG-06'].map((c) => finding(c, 'gateway-guardrails', c === 'GG-01' || c === 'GG-02' ? 'sshd' : c === 'GG-04' ? 'firewall' : 'apt', 'high'));
  const doc = docOf([critical, ...highs]);
  t.equal(doc.summary.decision, 'sprint');
  t.same(doc.summary.decisionBasis, ['critical'], 'the critical clause chose the sprint');
  const lead = leadershipSummary(doc);
  t.ok(lead.topRisks.some((r) => r.includes('BT-02')), `the critical BT-02 is a top risk: ${lead.topRisks.join(' | ')}`);
  t.match(lead.topRisks[0]!, /BT-02/, 'what triggered the move comes first');
  t.equal(lead.topRisks.length, 3, 'filled up to three with the best-ranked others');
});

t.test('every control that triggered the move is listed, even beyond three lines', async (t) => {
  const criticals = ['BT-02', 'BT-07', 'IA-01', 'IA-02'].map((c) => finding(c, c.startsWith('BT') ? 'broker-transport' : 'ingest-auth', c.startsWith('BT') ? 'mqtt 127.0.0.1:1883' : 'ingest https://127.0.0.1:8443/x', 'critical'));
  const lead = leadershipSummary(docOf([...criticals, finding('GG-03', 'gateway-guardrails', 'socket 0.0.0.0:1883', 'high')]));
  for (const c of ['BT-02', 'BT-07', 'IA-01', 'IA-02']) t.ok(lead.topRisks.some((r) => r.includes(c)), `${c} listed`);
  t.equal(lead.topRisks.length, 4);
});

t.test('a sprint on the high threshold lists the highs; fix internally lists highs and mediums; hold lists the best-ranked', async (t) => {
  const highs = ['GG-01', 'GG-02', 'GG-04'].map((c) => finding(c, 'gateway-guardrails', c, 'high'));
  const low = finding('BT-01', 'broker-transport', 'mqtt 10.0.0.1:1883', 'low');
  const sprint = docOf([...highs, low]);
  t.same(sprint.summary.decisionBasis, ['high']);
  t.same(leadershipSummary(sprint).topRisks.map((r) => r.match(/\((\S+)/)![1]), ['GG-01', 'GG-02', 'GG-04']);

  const medium = finding('TI-01', 'telemetry', 'device a', 'medium');
  const fix = docOf([medium, low, finding('TI-05', 'telemetry', 'device b', 'low'), finding('BT-05', 'broker-transport', 'mqtt 10.0.0.1:1884', 'low')]);
  t.equal(fix.summary.decision, 'fix-internally');
  t.match(leadershipSummary(fix).topRisks[0]!, /TI-01/, 'the medium that chose "fix internally" leads, though the exposed lows score close');

  t.same(decide({ critical: 0, high: 0, medium: 0, low: 2, info: 0 }).basis, [], 'hold is triggered by nothing');
});

t.test('custom thresholds: the basis follows the clause that held', async (t) => {
  const doc = docOf(
    [finding('BT-02', 'broker-transport', 'mqtt 127.0.0.1:1883', 'critical'), ...['GG-01', 'GG-02'].map((c) => finding(c, 'gateway-guardrails', c, 'high'))],
    { sprintCritical: 2, sprintHigh: 2 },
  );
  t.equal(doc.summary.decision, 'sprint');
  t.same(doc.summary.decisionBasis, ['high'], 'one critical is below sprint_critical 2: the highs chose the sprint');
  const lead = leadershipSummary(doc);
  for (const c of ['GG-01', 'GG-02']) t.ok(lead.topRisks.some((r) => r.includes(c)), `${c} listed`);
});

t.test('with nothing to fix, the next run named is a command that runs what this run ran', async (t) => {
  const hold = docOf([]);
  t.same(leadershipSummary(hold).nextRun, ['rerun `pathaudit run --bundle audit-baseline` on schedule to catch drift against this run']);
  const checks = { ...hold, run: { ...hold.run, bundle: 'checks:broker-transport,broker-cert' } };
  t.match(leadershipSummary(checks).nextRun[0], /`pathaudit run --check broker-transport,broker-cert`/);
  const posture = { ...hold, run: { ...hold.run, bundle: 'posture', checks: [{ check: 'broker-cert', outcome: 'completed' as const, durationMs: 0, runId: 'run-a' }, { check: 'telemetry', outcome: 'completed' as const, durationMs: 0, runId: 'run-b' }] } };
  t.match(leadershipSummary(posture).nextRun[0], /`pathaudit run --check broker-cert,telemetry`/);
});
