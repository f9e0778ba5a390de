// The backlog ranking rule: severity × exposure × confidence, ties by effort.
import t from 'tap';
import { Command } from 'commander';
import { addressOfResource, buildBacklog, checksToVerify, retestPlan, verifyPlan } from '../../../agent/evidence/backlog.js';
import { planRun } from '../../../agent/runner/bundles.js';
import type { LoadedConfig } from '../../../agent/config/load.js';
import { CHECK_INFOS } from '../../../probes/catalogue.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import type { EvidenceRecord, FindingRecord, RunDocument } from '../../../agent/runner/document.js';
import type { Severity } from '../../../probes/types.js';

function finding(control: string, resource: string, severity: Severity, status: 'fail' | 'warn' = 'fail', evidence = [`broker-transport:${control} ${resource}`]): FindingRecord {
  return { fingerprint: fingerprintOf(control, resource), control, check: 'broker-transport', resource, status, severity, title: control, detail: '', remediation: `fix ${control}`, verification: 'rerun', standards: ['ETSI EN 303 645 5.5-1'], evidence, waived: false, waiver: null };
}
function bind(resource: string, beyondLoopback: boolean): EvidenceRecord {
  return { id: `broker-transport:bind ${resource}`, check: 'broker-transport', kind: 'listen-address', resource, sha256: 'x', data: { beyondLoopback } };
}
function doc(findings: FindingRecord[], evidence: EvidenceRecord[] = []): RunDocument {
  return {
    run: { id: 'r', bundle: 'b', trigger: 'cli', startedAt: '', finishedAt: '', status: 'completed', agentVersion: '', configHash: '', gatewayId: '', path: null, checks: [], previousHash: null, hash: null },
    summary: { posture: 'exposed', findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, decision: 'hold', decisionRule: '', headline: '' },
    results: [],
    findings,
    evidence,
  };
}

t.test('a listener bound beyond loopback outranks the same weakness on loopback; severity still dominates', async (t) => {
  const items = buildBacklog(
    doc(
      [finding('BT-03', 'mqtts 127.0.0.1:8883', 'high'), finding('BT-03', 'mqtts 127.0.0.1:9883', 'high'), finding('BT-02', 'mqtt 127.0.0.1:1883', 'critical'), finding('BT-04', 'mqtts 10.0.0.5:8883', 'medium')],
      [bind('mqtts 127.0.0.1:9883', true), bind('mqtts 127.0.0.1:8883', false), bind('mqtt 127.0.0.1:1883', false)],
    ),
  );
  t.same(
    items.map((i) => [i.rank, i.control, i.resource, i.exposure, i.score]),
    [
      [1, 'BT-03', 'mqtts 127.0.0.1:9883', 'beyond-loopback', 9],
      [2, 'BT-02', 'mqtt 127.0.0.1:1883', 'loopback-only', 5],
      [3, 'BT-04', 'mqtts 10.0.0.5:8883', 'beyond-loopback', 4.5],
      [4, 'BT-03', 'mqtts 127.0.0.1:8883', 'loopback-only', 3],
    ],
  );
  t.match(items[0]!.exposureBasis, /bind mqtts 127\.0\.0\.1:9883: bound beyond loopback/);
  t.same(items[0]!.verification, {
    bundle: 'hardening-verification',
    checks: ['broker-transport', 'gateway-guardrails', 'ingest-auth'],
    control: 'BT-03',
    resource: 'mqtts 127.0.0.1:9883',
    command: 'pathaudit run --bundle hardening-verification',
    expect: 'BT-03 pass on mqtts 127.0.0.1:9883 — rerun',
  });
});

t.test('a warn and a finding without evidence rank lower; waived findings stay out; lapsed ones come back', async (t) => {
  const waived = { ...finding('BT-06', 'mqtts 127.0.0.1:8883', 'critical'), waived: true, waiver: { reason: 'r', expires: '2030-01-01', lapsed: false } };
  const lapsed = { ...finding('BT-07', 'broker gateway.local', 'critical'), waiver: { reason: 'r', expires: '2020-01-01', lapsed: true } };
  const items = buildBacklog(doc([finding('BT-03', 'sshd', 'high'), finding('BT-04', 'sshd', 'high', 'warn'), finding('BT-05', 'sshd', 'high', 'fail', []), waived, lapsed]));
  t.same(items.map((i) => [i.control, i.confidence, i.exposure]), [
    ['BT-07', 1, 'unknown'],
    ['BT-03', 1, 'unknown'],
    ['BT-04', 0.7, 'unknown'],
    ['BT-05', 0.5, 'unknown'],
  ]);
  t.equal(items[0]!.waiverLapsed, true);
});

t.test('resource ids name their address', async (t) => {
  t.equal(addressOfResource('mqtts 127.0.0.1:8883'), '127.0.0.1');
  t.equal(addressOfResource('ingest https://10.1.2.3:8443/v1/ingest'), '10.1.2.3');
  t.equal(addressOfResource('socket [::1]:1883'), '[::1]');
  t.equal(addressOfResource('device stm32-01'), null);
});

/** What `pathaudit run …` would execute for a verify command: parsed as the CLI parses it, planned as the runner plans it. */
function planOf(command: string): string[] {
  const argv = command.split(' ');
  if (argv[0] !== 'pathaudit' || argv[1] !== 'run') throw new Error(`not a run command: ${command}`);
  const flags = new Command('run').option('--bundle <name>').option('--check <ids>').exitOverride().parse(argv.slice(2), { from: 'user' }).opts<{ bundle?: string; check?: string }>();
  return planRun({ loaded: { config: {} } as unknown as LoadedConfig, bundle: flags.bundle ?? null, checks: flags.check ?? null }).checks;
}

t.test('every control of the catalogue: its verify command plans a run of its check and of every check it needs in the same run', async (t) => {
  let controls = 0;
  for (const check of CHECK_INFOS)
    for (const c of check.controls) {
      controls += 1;
      const plan = verifyPlan(c.id);
      const planned = planOf(plan.command);
      t.same(planned, plan.checks, `${c.id}: the command runs the checks the plan says (${plan.command})`);
      for (const needed of [check.id, ...(c.needs ?? [])]) t.ok(planned.includes(needed), `${c.id}: \`${plan.command}\` runs ${needed}`);
      // A `pathaudit run …` named in the control's own verification text must run it too.
      for (const m of c.verification.matchAll(/`(pathaudit run [^`]+)`/g)) {
        const named = planOf(m[1]!);
        for (const needed of checksToVerify(c.id)) t.ok(named.includes(needed), `${c.id}: its verification text's \`${m[1]}\` runs ${needed}`);
      }
    }
  t.ok(controls >= 48, `walked ${controls} controls`);
  t.same(verifyPlan('DC-08'), { bundle: 'checks:device-certs,telemetry', checks: ['device-certs', 'telemetry'], command: 'pathaudit run --check device-certs,telemetry' }, 'DC-08 needs telemetry in the same run');
  t.equal(verifyPlan('DC-01').command, 'pathaudit run --bundle certificate-hygiene');
  t.equal(verifyPlan('BC-09').command, 'pathaudit run --check broker-cert', 'hardening-verification does not run broker-cert');
  t.equal(verifyPlan('TI-01').command, 'pathaudit run --bundle telemetry-trust');
});

t.test('one rerun re-tests every row of a backlog: the checks of all their plans', async (t) => {
  const items = buildBacklog(doc([finding('BT-02', 'mqtt 127.0.0.1:1883', 'critical'), { ...finding('BC-09', 'key-file /k', 'high'), check: 'broker-cert' }, { ...finding('DC-08', 'device x', 'high'), check: 'device-certs' }]));
  // In catalogue order (check ids).
  t.same(retestPlan(items), {
    bundle: 'checks:broker-cert,broker-transport,device-certs,gateway-guardrails,ingest-auth,telemetry',
    checks: ['broker-cert', 'broker-transport', 'device-certs', 'gateway-guardrails', 'ingest-auth', 'telemetry'],
    command: 'pathaudit run --check broker-cert,broker-transport,device-certs,gateway-guardrails,ingest-auth,telemetry',
  });
  t.equal(retestPlan([]), null);
});
