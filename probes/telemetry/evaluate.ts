// telemetry judgement: a pure function of the window evidence, the
// per-device reports and the config thresholds.
import type { ConnectObservation } from '../mqtt.js';
import type { ControlResult, EvaluateInput, Evidence } from '../types.js';
import type { DeviceReport } from './analyzer.js';
import { controls } from './controls.js';
import { deviceReportEvidence, deviceResource, topicsResource, windowEvidence, type WindowData } from './evidence.js';
import { firmwarePolicyGap, judgeFirmwareDrift, judgeFirmwareMinimum } from './firmware.js';
import { telemetrySettings, type TelemetrySettings } from './settings.js';
import { plural } from '../words.js';

const pct = (x: number) => `${Math.round(x * 10000) / 100}%`;
const list = (xs: Array<number | string>, more: boolean) => `${xs.join(', ')}${more ? ', …' : ''}`;

function describeConnect(a: ConnectObservation | undefined): string {
  if (!a) return 'no CONNECT attempted';
  if (a.outcome === 'connack') return `CONNACK ${a.code} (${a.meaning}) over MQTT ${a.protocol}`;
  return `${a.stage}: ${a.reason}`;
}

/** Why the window could not be observed at all, or null. */
function sessionFailure(w: WindowData): string | null {
  if (!w.subscriptions && !w.subscribeError) return `${w.identity} could not open a session on ${w.listener}: ${describeConnect(w.attempts.at(-1))}`;
  if (!w.subscriptions) return `SUBSCRIBE on ${w.listener} failed: ${w.subscribeError}`;
  const refused = w.subscriptions.filter((s) => s.granted === null || s.granted >= 0x80);
  if (refused.length)
    return `${w.identity} was refused SUBSCRIBE to ${refused.map((s) => `${s.topic} (SUBACK ${s.granted === null ? 'missing' : `0x${s.granted.toString(16)}`})`).join(', ')}`;
  if (w.observedWindowMs <= 0) return `no observation window (${w.interrupted ?? 'the check budget was used up by connect and subscribe'})`;
  return null;
}

type Judge = (r: DeviceReport, key: string, s: TelemetrySettings) => ControlResult;

const judgeDuplicates: Judge = (r, key, s) => {
  const resource = deviceResource(r.device);
  if (r.messages === 0) return { control: 'TI-01', resource, status: 'skipped', detail: `only ${plural(r.retained, 'retained message')}, no live message`, evidence: [] };
  const d = r.duplicates;
  const total = d.exact + d.conflicting;
  const ratio = total / r.messages;
  const exact = `${d.exact} exact redeliveries${d.exact ? ` (seq ${list(d.exactExamples, d.exact > d.exactExamples.length)})` : ''}`;
  const conflicting = `${d.conflicting} with a different payload${d.conflicting ? ` (seq ${list(d.conflictingExamples, d.conflicting > d.conflictingExamples.length)})` : ''}`;
  const what = total
    ? `${total} duplicate(s) in ${r.messages} messages (${pct(ratio)}; threshold ${pct(s.duplicateThreshold)}): ${exact}, ${conflicting}`
    : `no duplicate sequence number in ${r.messages} messages (threshold ${pct(s.duplicateThreshold)})`;
  if (d.conflicting > 0) return { control: 'TI-01', resource, status: 'fail', severity: 'high', detail: `${what}: one sequence number carries two readings`, evidence: [key] };
  if (ratio > s.duplicateThreshold) return { control: 'TI-01', resource, status: 'fail', detail: what, evidence: [key] };
  return { control: 'TI-01', resource, status: 'pass', detail: what, evidence: [key] };
};

const judgeGaps: Judge = (r, key, s) => {
  const resource = deviceResource(r.device);
  if (r.messages > 0 && r.noSequence === r.messages)
    return { control: 'TI-02', resource, status: 'warn', detail: `none of ${r.messages} messages carries a sequence number at ${s.sequence}: loss cannot be detected`, evidence: [key] };
  if (r.unique < 2) return { control: 'TI-02', resource, status: 'skipped', detail: `${plural(r.unique, 'sequence number')} observed: at least 2 are needed to see a gap`, evidence: [] };
  const expected = r.unique + r.missing;
  const ratio = r.missing / expected;
  const ranges = r.missingExamples.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
  const resets = [r.restarts ? plural(r.restarts, 'restart') : '', r.wraps ? plural(r.wraps, 'counter wrap') : ''].filter(Boolean).join(', ');
  const what =
    (r.missing ? `${r.missing} of ${expected} expected sequence numbers missing (${pct(ratio)}; threshold ${pct(s.gapThreshold)})` : `no sequence number missing among ${expected} (threshold ${pct(s.gapThreshold)})`) +
    (ranges.length ? `: ${list(ranges, r.missingRangesNotListed > 0)}` : '') +
    (resets ? `; ${resets} (not counted as loss)` : '');
  return { control: 'TI-02', resource, status: ratio > s.gapThreshold ? 'fail' : 'pass', detail: what, evidence: [key] };
};

const judgeSkew: Judge = (r, key, s) => {
  const resource = deviceResource(r.device);
  if (r.messages === 0) return { control: 'TI-04', resource, status: 'skipped', detail: 'no live message', evidence: [] };
  const k = r.skew;
  if (k.samples === 0 || k.median_s === null)
    return { control: 'TI-04', resource, status: 'warn', detail: `none of ${r.messages} messages carries a readable timestamp at ${s.timestamp}: clock skew cannot be judged`, evidence: [key] };
  const what = `median clock skew ${k.median_s} s (device time − arrival; range ${k.min_s} … ${k.max_s} s over ${k.samples} messages; threshold ±${s.skewThresholdS} s)`;
  return { control: 'TI-04', resource, status: Math.abs(k.median_s) > s.skewThresholdS ? 'fail' : 'pass', detail: what, evidence: [key] };
};

const judgeOrder: Judge = (r, key) => {
  const resource = deviceResource(r.device);
  if (r.unique < 2) return { control: 'TI-05', resource, status: 'skipped', detail: `${plural(r.unique, 'sequence number')} observed: order needs at least 2`, evidence: [] };
  if (r.outOfOrder > 0)
    return {
      control: 'TI-05',
      resource,
      status: 'fail',
      detail: `${r.outOfOrder} of ${r.messages} messages arrived after a higher sequence number (seq ${list(r.outOfOrderExamples, r.outOfOrder > r.outOfOrderExamples.length)})`,
      evidence: [key],
    };
  return { control: 'TI-05', resource, status: 'pass', detail: `${r.unique} sequence numbers arrived in order`, evidence: [key] };
};

const judgeRetained: Judge = (r, key) => {
  const resource = deviceResource(r.device);
  if (r.retained > 0) return { control: 'TI-06', resource, status: 'fail', detail: `${plural(r.retained, 'retained message')} delivered on SUBSCRIBE: a stale reading looks live`, evidence: [key] };
  return { control: 'TI-06', resource, status: 'pass', detail: `no retained message among ${r.messages} delivered`, evidence: [key] };
};

function judgeSilence(id: string, report: Evidence<DeviceReport> | undefined, w: Evidence<WindowData>, s: TelemetrySettings): ControlResult {
  const resource = deviceResource(id);
  const seconds = Math.round(w.data.observedWindowMs / 100) / 10;
  if (report) {
    const r = report.data;
    return { control: 'TI-03', resource, status: 'pass', detail: `${r.messages + r.retained} message(s) in the ${seconds} s window`, evidence: [report.key] };
  }
  if (w.data.interrupted)
    return { control: 'TI-03', resource, status: 'error', detail: `no message in ${seconds} s, but the window was cut short: ${w.data.interrupted}`, evidence: [w.key] };
  // A window shorter than the publish interval would call every slow device silent.
  if (w.data.observedWindowMs < s.publishIntervalS * 1000)
    return {
      control: 'TI-03',
      resource,
      status: 'skipped',
      detail: `no message in the ${seconds} s window, but the window is shorter than the expected publish interval of ${s.publishIntervalS} s (telemetry.publish_interval_s): silence cannot be judged`,
      evidence: [],
    };
  return { control: 'TI-03', resource, status: 'fail', detail: `no message in the ${seconds} s window (expected at least one every ${s.publishIntervalS} s)`, evidence: [w.key] };
}

export function evaluateTelemetry({ config, evidence }: EvaluateInput): ControlResult[] {
  const s = telemetrySettings(config);
  const topics = topicsResource(s.topics);
  const w = windowEvidence.find(evidence, topics);
  if (!w) return controls.map((c) => ({ control: c.id, resource: topics, status: 'error', detail: 'no telemetry window evidence was collected', evidence: [] }));
  const failure = sessionFailure(w.data);
  if (failure) return controls.map((c) => ({ control: c.id, resource: topics, status: 'error', detail: failure, evidence: [w.key] }));

  const reports = new Map(deviceReportEvidence.all(evidence).map((e) => [e.data.device, e]));
  const inventory = [...new Set((config.devices?.inventory ?? []).map((d) => d.id))];
  const results: ControlResult[] = [];

  if (inventory.length === 0)
    results.push({ control: 'TI-03', resource: topics, status: 'skipped', detail: 'devices.inventory lists no device: the expected devices are unknown', evidence: [] });
  for (const id of inventory) results.push(judgeSilence(id, reports.get(id), w, s));

  // The firmware policy, when it is not configured, is skipped once for the topics.
  const gap = firmwarePolicyGap(s);
  // Each per-device control with its judge, in one list: the skips below name the same controls the judges give.
  const judges = (
    [
      ['TI-01', judgeDuplicates],
      ['TI-02', judgeGaps],
      ['TI-04', judgeSkew],
      ['TI-05', judgeOrder],
      ['TI-06', judgeRetained],
      ['TI-07', judgeFirmwareMinimum],
    ] as const
  ).filter(([control]) => control !== 'TI-07' || !gap['TI-07']);
  const perDevice = judges.map(([, judge]) => judge);
  const perDeviceControls = judges.map(([control]) => control);
  for (const [control, why] of Object.entries(gap)) if (why) results.push({ control, resource: topics, status: 'skipped', detail: why, evidence: [] });

  // Every observed device is judged, inventory or not (unknown ones are DC-08's business).
  const ids = [...new Set([...inventory.filter((id) => reports.has(id)), ...reports.keys()])];
  for (const id of ids) {
    const e = reports.get(id);
    if (e) for (const judge of perDevice) results.push(judge(e.data, e.key, s));
  }
  const unseen = inventory.filter((id) => !reports.has(id));
  for (const id of unseen)
    for (const c of perDeviceControls)
      results.push({ control: c, resource: deviceResource(id), status: 'skipped', detail: 'no message from this device in the window (see TI-03)', evidence: [] });
  if (ids.length === 0 && unseen.length === 0) {
    const t = w.data.totals;
    const why = t.received
      ? `${t.received} message(s) received but none attributable to a device (${t.unattributed} without a device id, ${t.notJson} not JSON)`
      : 'no telemetry message in the window';
    for (const c of perDeviceControls) results.push({ control: c, resource: topics, status: 'skipped', detail: why, evidence: [] });
  }
  if (!gap['TI-08']) {
    if (inventory.length === 0) results.push({ control: 'TI-08', resource: topics, status: 'skipped', detail: 'devices.inventory lists no device: the fleet whose firmware should agree is unknown', evidence: [] });
    else results.push(judgeFirmwareDrift(inventory, reports));
  }
  return results;
}
