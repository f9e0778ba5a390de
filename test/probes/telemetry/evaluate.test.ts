// evaluate() is pure: stored evidence + config → results. These cases need no
// broker: the evidence is built with the real analyzer.
import t from 'tap';
import type { PathauditConfig } from '../../../config/schema/index.js';
import { TelemetryAnalyzer } from '../../../probes/telemetry/analyzer.js';
import { deviceReportEvidence, windowEvidence, type WindowData } from '../../../probes/telemetry/evidence.js';
import { evaluateTelemetry } from '../../../probes/telemetry/evaluate.js';
import type { Evidence } from '../../../probes/types.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const base: PathauditConfig = {
  broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }] },
  telemetry: { topics: ['devices/+/telemetry'], window_s: 30 },
  devices: { inventory: [{ id: 'stm32-01' }, { id: 'stm32-02' }] },
};

function evidenceFor(seqsByDevice: Record<string, number[]>, window: Partial<WindowData> = {}): Evidence[] {
  const a = new TelemetryAnalyzer({ deviceId: { topic_level: 1 }, sequence: '/seq', timestamp: '/ts', sequenceMax: 0xffffffff, maxDevices: 100 });
  for (const [id, seqs] of Object.entries(seqsByDevice))
    for (const seq of seqs) a.ingest(`devices/${id}/telemetry`, Buffer.from(JSON.stringify({ seq, ts: T0 })), 1, false, T0);
  const w: WindowData = {
    listener: 'mqtt 127.0.0.1:1883',
    identity: 'anonymous',
    attempts: [],
    subscriptions: [{ topic: 'devices/+/telemetry', granted: 1 }],
    subscribeError: null,
    qos: 1,
    plannedWindowMs: 30_000,
    observedWindowMs: 30_000,
    windowStart: null,
    windowEnd: null,
    interrupted: null,
    shortenedMs: 0,
    totals: a.totals(),
    devicesObserved: a.deviceIds().length,
    ...window,
  };
  const resource = 'telemetry devices/+/telemetry';
  return [
    { key: 'window', kind: windowEvidence.kind, resource, data: w },
    ...a.devices().map((d) => ({ key: `device ${d.device}`, kind: deviceReportEvidence.kind, resource: `device ${d.device}`, data: d })),
  ];
}
const evaluate = (config: PathauditConfig, evidence: Evidence[]) => evaluateTelemetry({ config, evidence, runEvidence: evidence, now: new Date(T0) });
const find = (rs: ReturnType<typeof evaluate>, control: string, resource: string) => rs.find((r) => r.control === control && r.resource === resource)!;
const seqs = (n: number) => Array.from({ length: n }, (_, i) => i);

t.test('a session lost mid-window makes an unheard inventory device TI-03 error, not fail', async (t) => {
  const rs = evaluate(base, evidenceFor({ 'stm32-01': seqs(50) }, { observedWindowMs: 4_000, interrupted: 'the broker closed the probe session' }));
  t.match(find(rs, 'TI-03', 'device stm32-02'), { status: 'error', detail: /cut short: the broker closed the probe session/ });
  t.equal(find(rs, 'TI-03', 'device stm32-01').status, 'pass');
});

t.test('duplicate_threshold and gap_threshold from the config decide pass or fail', async (t) => {
  const ev = evidenceFor({ 'stm32-01': [...seqs(100), 10, 20], 'stm32-02': [...seqs(50), ...seqs(100).slice(52)] });
  const strict = evaluate(base, ev);
  t.equal(find(strict, 'TI-01', 'device stm32-01').status, 'fail', '2 of 102 (1.96%) is above the default 1%');
  t.equal(find(strict, 'TI-02', 'device stm32-02').status, 'fail', '2 of 100 missing is above the default 0.1%');
  const lenient = evaluate({ ...base, telemetry: { ...base.telemetry!, duplicate_threshold: 0.05, gap_threshold: 0.05 } }, ev);
  t.match(find(lenient, 'TI-01', 'device stm32-01'), { status: 'pass', detail: /^2 duplicate\(s\) in 102 messages \(1\.96%; threshold 5%\)/ });
  t.match(find(lenient, 'TI-02', 'device stm32-02'), { status: 'pass', detail: /^2 of 100 expected sequence numbers missing \(2%; threshold 5%\): 50–51$/ });
});

t.test('without an inventory TI-03 is skipped (expected devices unknown), observed devices are still judged', async (t) => {
  const rs = evaluate({ ...base, devices: undefined }, evidenceFor({ 'stm32-09': seqs(10) }));
  t.match(find(rs, 'TI-03', 'telemetry devices/+/telemetry'), { status: 'skipped', detail: /devices\.inventory lists no device/ });
  t.equal(find(rs, 'TI-01', 'device stm32-09').status, 'pass');
  for (const r of rs) if (r.status === 'pass' || r.status === 'fail') t.ok(r.evidence.length > 0, `${r.control} ${r.resource} references evidence`);
});

t.test('a config whose topics have no + level and no device_id is refused with the key named', async (t) => {
  t.throws(() => evaluate({ ...base, telemetry: { topics: ['telemetry/all'] } }, []), /telemetry\.device_id: not set, and telemetry\.topics\[0\] "telemetry\/all" has no "\+" level/);
});
