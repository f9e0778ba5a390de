// The posture on a real SQLite store: a check's latest *completed* run stands
// for it, a later run that observed nothing does not erase its findings, and a
// finding whose probe errored later stays open as not re-tested.
import { join } from 'node:path';
import t from 'tap';
import { computeDelta } from '../../../agent/evidence/delta.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { latestPosture, postureDocument } from '../../../agent/evidence/posture.js';
import { summarize } from '../../../agent/evidence/summary.js';
import type { CheckOutcome, FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';
import { openStore } from '../../../agent/store/index.js';
import type { Status } from '../../../probes/types.js';
import { tempDir } from '../../helpers/lab.js';

const MQTT = 'mqtt 127.0.0.1:1883';

function runDoc(id: string, minute: number, outcome: CheckOutcome['outcome'], results: Array<[string, string, Status]>): RunDocument {
  const rs: ResultRecord[] = results.map(([control, resource, status]) => ({ control, check: 'broker-transport', resource, status, severity: 'critical', detail: `${control} ${status}`, evidence: [] }));
  const findings: FindingRecord[] = rs
    .filter((r) => r.status === 'fail')
    .map((r) => ({ fingerprint: fingerprintOf(r.control, r.resource), control: r.control, check: r.check, resource: r.resource, status: 'fail', severity: r.severity, title: r.control, detail: r.detail, remediation: 'fix', verification: 'rerun', standards: [], evidence: [], waived: false, waiver: null }));
  const at = new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
  return {
    run: { id, bundle: 'hardening-verification', trigger: 'cli', startedAt: at, finishedAt: at, status: 'completed', agentVersion: 't', configHash: 'c', gatewayId: 'gw', path: null, checks: [{ check: 'broker-transport', outcome, durationMs: 1, ...(outcome === 'completed' ? {} : { reason: 'check exceeded its 10 s time budget' }) }], previousHash: null, hash: null },
    summary: summarize(findings, rs),
    results: rs,
    findings,
    evidence: [],
  };
}

t.test('a check that later timed out, then errored on one control, keeps its finding open and says it was not re-tested', async (t) => {
  const store = openStore(join(tempDir(t), 'posture.db'));
  t.teardown(() => store.close());
  const a = store.runs.finish(runDoc('run-a', 1, 'completed', [['BT-02', MQTT, 'fail'], ['BT-01', MQTT, 'pass']]));

  // b: the whole check overran its budget — error results on the check, nothing observed.
  store.runs.finish(runDoc('run-b', 2, 'timeout', [['BT-02', 'broker-transport', 'error'], ['BT-01', 'broker-transport', 'error']]));
  const afterB = latestPosture(store);
  t.same(afterB.sources.map((s) => [s.check, s.runId, s.outcome]), [['broker-transport', 'run-a', 'completed']], 'the latest completed run stands for the check');
  t.same(afterB.sources[0]!.notCompletedSince.map((l) => [l.runId, l.outcome]), [['run-b', 'timeout']], 'and the run that observed nothing is named');
  t.same(afterB.findings.map((f) => f.control), ['BT-02'], 'its finding is not erased');
  const docB = postureDocument(store)!;
  t.equal(docB.summary.decision, 'sprint');
  t.match(docB.run.checks[0], { runId: 'run-a', reason: /later runs observed nothing: run-b timeout/ });

  // c: completed, but BT-02 could not be observed on the listener.
  store.runs.finish(runDoc('run-c', 3, 'completed', [['BT-02', MQTT, 'error'], ['BT-01', MQTT, 'pass']]));
  const afterC = latestPosture(store);
  t.same(afterC.sources.map((s) => s.runId), ['run-c']);
  t.same(afterC.results.find((r) => r.control === 'BT-02')!.status, 'error', 'the posture shows the latest result: error');
  t.match(afterC.findings, [{ control: 'BT-02', notRetested: { since: 'run-a', reason: /BT-02 could not be observed in run run-c/ } }], 'the finding stays open, not re-tested since run-a');
  const docC = postureDocument(store)!;
  t.equal(docC.summary.decision, 'sprint', 'the next move does not improve because a probe failed');
  const delta = computeDelta(a, docC);
  t.equal(delta.findings.find((f) => f.control === 'BT-02')!.change, 'not-retested');
  t.equal(delta.nextMove.decision, 'sprint');

  // d: observed again and passing: the finding is gone from the posture.
  store.runs.finish(runDoc('run-d', 4, 'completed', [['BT-02', MQTT, 'pass'], ['BT-01', MQTT, 'pass']]));
  t.same(latestPosture(store).findings, []);
  t.equal(computeDelta(a, postureDocument(store)!).findings.find((f) => f.control === 'BT-02')!.change, 'resolved');

  // As of a run: what the path looked like when run-b finished.
  t.same(postureDocument(store, { asOf: 'run-b' })!.run.checks.map((c) => c.runId), ['run-a']);
  t.same(postureDocument(store, { asOf: 'run-c' })!.findings.map((f) => f.notRetested?.since), ['run-a']);
});
