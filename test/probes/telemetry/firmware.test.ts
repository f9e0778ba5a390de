// The firmware policy end to end: simulated STM32 devices report their
// firmware (`fw`) through the hardened lab broker (aedes, TLS, passwords);
// the telemetry check judges TI-07 (below the minimum) and TI-08 (more than
// one version across the inventory).
import t, { type Test } from 'tap';
import type { RunDocument } from '../../../agent/runner/document.js';
import type { PathauditConfig } from '../../../config/schema/index.js';
import type { DeviceReport } from '../../../probes/telemetry/analyzer.js';
import { TelemetryAnalyzer } from '../../../probes/telemetry/analyzer.js';
import { createCa, deviceCert, type Issued } from '../../../agent/lab/certs.js';
import { startDevices, type SimulatedDevice } from '../../../agent/lab/devices.js';
import type { LabGateway } from '../../../agent/lab/gateway.js';
import { evidenceOf, labGateway, load, resultOf, runChecks } from '../../helpers/lab.js';

const TOPIC = 'devices/+/telemetry';

let deviceCa: Issued | undefined;
async function device(gw: LabGateway, id: string, firmware: string | undefined): Promise<SimulatedDevice> {
  deviceCa ??= await createCa('CN=pathaudit lab device CA');
  const password = `pw-${id}-${Math.random().toString(36).slice(2)}`;
  gw.broker.users.set(id, password);
  return { id, cert: await deviceCert(deviceCa, id), username: id, password, knobs: { rateHz: 200, messages: 20, firmware } };
}

async function gateway(t: Test, firmware: NonNullable<PathauditConfig['telemetry']>['firmware'], inventory: string[]): Promise<LabGateway> {
  return labGateway(t, {
    profile: 'hardened',
    config: {
      telemetry: { topics: [TOPIC], window_s: 1.5, publish_interval_s: 1, ...(firmware ? { firmware } : {}) },
      devices: { inventory: inventory.map((id) => ({ id })) },
      runner: { check_timeout_s: 20 },
    },
  });
}

/** Starts the run, waits for the probe's SUBSCRIBE, then lets the devices publish. */
async function runWithDevices(t: Test, gw: LabGateway, devices: SimulatedDevice[]): Promise<RunDocument> {
  const subscribed = new Promise<void>((resolve) => gw.broker.broker.on('subscribe', (subs) => subs.some((s) => s.topic === TOPIC) && resolve()));
  const run = runChecks(load(gw.configFile), ['telemetry']);
  await subscribed;
  const mqtts = gw.broker.listeners.find((l) => l.name === 'mqtts');
  if (!mqtts) throw new Error('the lab gateway has no mqtts listener');
  const running = await startDevices({ url: `mqtts://127.0.0.1:${mqtts.port}`, ca: gw.pki.brokerCa.certPem, servername: 'gateway.local', devices });
  t.teardown(() => running.stop());
  await running.done;
  return run;
}

t.test('a device below the minimum fails TI-07; three versions across the inventory fail TI-08', async (t) => {
  const gw = await gateway(t, { pointer: '/fw', minimum: '2.4.0' }, ['stm32-01', 'stm32-02', 'stm32-03']);
  const doc = await runWithDevices(t, gw, [
    await device(gw, 'stm32-01', '2.4.1'),
    await device(gw, 'stm32-02', '2.3.9'),
    await device(gw, 'stm32-03', 'v2.5.0-rc.1'),
    await device(gw, 'bench-07', 'build-77'), // not in the inventory: judged for TI-07, not counted for TI-08
  ]);
  const old = resultOf(doc, 'TI-07', 'device stm32-02');
  t.equal(old.status, 'fail');
  t.equal(old.severity, 'high');
  t.equal(old.detail, 'reports firmware "2.3.9", below the minimum 2.4.0 (telemetry.firmware.minimum)');
  t.same(old.evidence, ['telemetry:device stm32-02']);
  t.equal(resultOf(doc, 'TI-07', 'device stm32-01').status, 'pass');
  t.equal(resultOf(doc, 'TI-07', 'device stm32-03').status, 'pass', 'a pre-release of 2.5.0 is above 2.4.0');
  const odd = resultOf(doc, 'TI-07', 'device bench-07');
  t.equal(odd.status, 'warn');
  t.match(odd.detail, /"build-77": not a semantic version, so it cannot be compared with the minimum 2\.4\.0/);

  const drift = resultOf(doc, 'TI-08', 'device-fleet');
  t.equal(drift.status, 'fail');
  t.equal(drift.severity, 'low');
  t.equal(drift.detail, '3 firmware versions across 3 inventory devices: "2.3.9" on stm32-02; "2.4.1" on stm32-01; "v2.5.0-rc.1" on stm32-03');
  t.same(drift.evidence.sort(), ['telemetry:device stm32-01', 'telemetry:device stm32-02', 'telemetry:device stm32-03']);
  t.match((evidenceOf(doc, 'telemetry:device stm32-02').data as DeviceReport).firmware, { versions: ['2.3.9'], versionsNotListed: 0, missing: 0 });
});

t.test('one version at or above the minimum: TI-07 and TI-08 pass; a device that reports none is a warning', async (t) => {
  const gw = await gateway(t, { pointer: '/fw', minimum: '2.4.0' }, ['stm32-01', 'stm32-02', 'stm32-03']);
  const doc = await runWithDevices(t, gw, [await device(gw, 'stm32-01', '2.4.0'), await device(gw, 'stm32-02', '2.4.0+build.5'), await device(gw, 'stm32-03', undefined)]);
  t.equal(resultOf(doc, 'TI-07', 'device stm32-01').status, 'pass');
  t.equal(resultOf(doc, 'TI-07', 'device stm32-02').status, 'pass');
  const none = resultOf(doc, 'TI-07', 'device stm32-03');
  t.equal(none.status, 'warn');
  t.match(none.detail, /^none of 20 messages carries a firmware version at \/fw/);
  const fleet = resultOf(doc, 'TI-08', 'device-fleet');
  t.equal(fleet.status, 'fail', 'build metadata makes another version string: the fleet does not run one build');
});

t.test('the same firmware everywhere passes TI-08', async (t) => {
  const gw = await gateway(t, { pointer: '/fw' }, ['stm32-01', 'stm32-02']);
  const doc = await runWithDevices(t, gw, [await device(gw, 'stm32-01', '3.0.1'), await device(gw, 'stm32-02', '3.0.1')]);
  const fleet = resultOf(doc, 'TI-08', 'device-fleet');
  t.equal(fleet.status, 'pass');
  t.equal(fleet.detail, 'every one of 2 inventory devices that reported its firmware runs "3.0.1" on stm32-01, stm32-02');
  const ti07 = resultOf(doc, 'TI-07', 'telemetry ');
  t.equal(ti07.status, 'skipped');
  t.match(ti07.detail, /telemetry.firmware.minimum is not set/);
});

t.test('without telemetry.firmware both controls are skipped, naming the key', async (t) => {
  const gw = await gateway(t, undefined, ['stm32-01']);
  const doc = await runWithDevices(t, gw, [await device(gw, 'stm32-01', '2.4.1')]);
  for (const c of ['TI-07', 'TI-08']) {
    const r = resultOf(doc, c);
    t.equal(r.status, 'skipped');
    t.match(r.detail, /^telemetry.firmware is not configured/);
  }
  t.equal((evidenceOf(doc, 'telemetry:device stm32-01').data as DeviceReport).firmware, null, 'no policy: firmware is not read');
});

t.test('analyzer: firmware of live messages only, a bounded list of versions, nested pointers through JSON.parse', async (t) => {
  const a = new TelemetryAnalyzer({ deviceId: { topic_level: 1 }, sequence: '/seq', timestamp: null, sequenceMax: 0xffffffff, maxDevices: 10, firmware: '/meta/fw' });
  const send = (seq: number, fw: unknown, retain = false) =>
    a.ingest('devices/d1/telemetry', new TextEncoder().encode(JSON.stringify({ seq, meta: { fw } })), 1, retain, Date.now());
  send(0, '1.0.0', true); // a retained snapshot: stale, not counted
  for (const [i, fw] of ['2.0.0', '2.0.0', '2.1.0', '2.2.0', 2.3, '2.4.0', '2.5.0'].entries()) send(i + 1, fw);
  send(9, null);
  t.same(a.devices()[0]?.firmware, { versions: ['2.0.0', '2.1.0', '2.2.0', '2.3'], versionsNotListed: 2, missing: 1 });
});
