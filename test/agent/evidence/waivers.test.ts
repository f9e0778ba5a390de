// Waivers and the leadership summary: a live waiver takes a finding out of the
// decision, a lapsed one puts it back and the summary says so; thresholds come
// from the config.
import t from 'tap';
import { validateConfig } from '../../../agent/config/load.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { decide, leadershipSummary, summarize, thresholdsFrom } from '../../../agent/evidence/summary.js';
import { applyWaivers } from '../../../agent/evidence/waivers.js';
import type { FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';

const results: ResultRecord[] = [
  { control: 'BT-02', check: 'broker-transport', resource: 'mqtt 127.0.0.1:1883', status: 'fail', severity: 'critical', detail: 'anonymous CONNECT accepted', evidence: ['broker-transport:anonymous mqtt 127.0.0.1:1883'] },
  { control: 'BT-04', check: 'broker-transport', resource: 'mqtts 127.0.0.1:8883', status: 'fail', severity: 'medium', detail: 'weak suites', evidence: ['broker-transport:tls-scan mqtts 127.0.0.1:8883'] },
  { control: 'BT-05', check: 'broker-transport', resource: 'broker', status: 'pass', severity: 'high', detail: 'TLS ok', evidence: ['broker-transport:x'] },
];
const findings: FindingRecord[] = results
  .filter((r) => r.status === 'fail')
  .map((r) => ({ fingerprint: fingerprintOf(r.control, r.resource), control: r.control, check: r.check, resource: r.resource, status: 'fail', severity: r.severity, title: r.control, detail: r.detail, remediation: 'fix it', verification: 'rerun', standards: ['ETSI EN 303 645 5.5-1'], evidence: r.evidence, waived: false, waiver: null }));

function doc(f: FindingRecord[]): RunDocument {
  return {
    run: { id: 'run-w', bundle: 'hardening-verification', trigger: 'cli', startedAt: '2026-11-26T00:00:00Z', finishedAt: '2026-11-26T00:00:01Z', status: 'completed', agentVersion: 't', configHash: 'c', gatewayId: 'gw', path: null, checks: [], previousHash: null, hash: null },
    summary: summarize(f, results),
    results,
    findings: f,
    evidence: [],
  };
}

t.test('a live waiver leaves the finding out of the decision; after expiry it counts again and the summary says the waiver lapsed', async (t) => {
  const waiver = { control: 'BT-02', reason: 'isolated lab VLAN', expires: '2026-12-31' };
  const live = applyWaivers(findings, [waiver], new Date('2026-12-31T23:00:00Z'));
  t.equal(live.find((f) => f.control === 'BT-02')!.waived, true, 'valid through the end of its expiry day');
  const liveSummary = summarize(live, results);
  t.equal(liveSummary.findings.critical, 0);
  t.equal(liveSummary.decision, 'fix-internally', 'only the medium finding drives the decision');
  t.same(leadershipSummary(doc(live)).waived, ['BT-02 on mqtt 127.0.0.1:1883: isolated lab VLAN (until 2026-12-31)']);

  const lapsed = applyWaivers(findings, [waiver], new Date('2027-01-01T00:00:00Z'));
  const f = lapsed.find((x) => x.control === 'BT-02')!;
  t.equal(f.waived, false);
  t.equal(f.waiver?.lapsed, true);
  const s = summarize(lapsed, results);
  t.equal(s.decision, 'sprint', 'the lapsed critical finding is back in the decision');
  t.match(s.headline, /1 waiver lapsed/);
  const lead = leadershipSummary(doc(lapsed));
  t.match(lead.lapsedWaivers[0], /BT-02 on mqtt 127\.0\.0\.1:1883 lapsed on 2026-12-31/);
  t.ok(lead.nextRun.some((n) => /renew or close out/.test(n)), 'the next run is told to settle the lapsed waiver');
});

t.test('a resource-specific waiver covers that resource only', async (t) => {
  const out = applyWaivers(findings, [{ control: 'BT-04', resource: 'mqtts 127.0.0.1:9999', reason: 'other listener', expires: '2030-01-01' }], new Date('2026-11-26T00:00:00Z'));
  t.equal(out.find((f) => f.control === 'BT-04')!.waived, false);
});

const OPTS = { baseDir: '/', file: null, knownBundles: new Set<string>(), knownChecks: new Set<string>() };
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    return (err as { problems?: string[] }).problems ?? [String(err)];
  }
  return [];
}

t.test('the decision thresholds come from the config decision section, and bad values are config errors', async (t) => {
  const loaded = validateConfig({ decision: { sprint_critical: 2, sprint_high: 5, fix_internally_min: 2 } }, OPTS);
  const th = thresholdsFrom(loaded.config);
  t.same(th, { sprintCritical: 2, sprintHigh: 5, fixInternallyMin: 2 });
  t.equal(decide({ critical: 1, high: 4, medium: 0, low: 0, info: 0 }, th).decision, 'fix-internally', 'one critical is below a threshold of 2');
  t.equal(decide({ critical: 2, high: 0, medium: 0, low: 0, info: 0 }, th).decision, 'sprint');
  t.equal(decide({ critical: 0, high: 0, medium: 1, low: 3, info: 0 }, th).decision, 'hold', 'one medium is below fix_internally_min 2');
  t.match(decide({ critical: 2, high: 0, medium: 0, low: 0, info: 0 }, th).rule, /threshold 2/);
  t.match(problemsOf(() => validateConfig({ decision: { sprint_critical: 0 } }, OPTS)).join('\n'), /decision\.sprint_critical/);
  t.match(problemsOf(() => validateConfig({ decision: { sprint_crit: 1 } }, OPTS)).join('\n'), /decision\.sprint_crit: unknown key/);
});

t.test('top risks read in plain words, highest ranked first', async (t) => {
  const lead = leadershipSummary(doc(findings));
  t.match(lead.topRisks[0], /^anyone who reaches the broker can publish and subscribe without credentials \(BT-02/);
  t.equal(lead.topRisks.length, 2);
  t.ok(lead.nextRun[0]!.includes('pathaudit run --bundle hardening-verification') && lead.nextRun[0]!.includes('BT-02 pass'));
});
