// device-link judgement from recorded evidence (as a stored run holds it),
// and the check through the runner with a config file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { evaluateDeviceLink } from '../../../probes/device-link/evaluate.js';
import type { Evidence } from '../../../probes/types.js';
import { load, resultOf, runChecks, tempDir } from '../../helpers/lab.js';
import { layTree } from './helpers.js';

const usbDevice = (over: Record<string, unknown>) => ({
  busPath: '1-1',
  vendorId: '0483',
  productId: '5740',
  serial: 'A1',
  product: 'STM32 Virtual ComPort',
  manufacturer: 'STMicroelectronics',
  deviceClass: '02',
  interfaces: [{ name: '1-1:1.0', interfaceClass: '02' }],
  unreadable: [],
  ...over,
});
const recorded = (usb: unknown, serial: unknown = { state: 'observed', nodes: [], danglingLinks: [], kernelTtys: [], groupFile: true }): Evidence[] => [
  { key: 'usb-devices', kind: 'usb-devices', resource: 'usb', data: usb },
  { key: 'serial-nodes', kind: 'serial-nodes', resource: 'serial', data: serial },
];
const judge = (evidence: Evidence[], devices = { inventory: [{ id: 'stm32-01', usb_serial: 'A1' }] }) =>
  evaluateDeviceLink({ config: { devices }, evidence, runEvidence: evidence, now: new Date() });

t.test('a J-Link and a keyboard recorded on the bus fail DL-03 and DL-05; the inventory device passes DL-01', async (t) => {
  const results = judge(
    recorded({
      state: 'observed',
      source: '/sys/bus/usb/devices',
      rootHubs: 2,
      devices: [usbDevice({}), usbDevice({ busPath: '1-2', vendorId: '1366', productId: '1015', serial: '000261000000', product: 'J-Link', deviceClass: 'ef', interfaces: [{ name: '1-2:1.0', interfaceClass: '08' }] }), usbDevice({ busPath: '1-3', vendorId: '413c', productId: '2113', serial: null, product: 'Dell KB216', deviceClass: '00', interfaces: [{ name: '1-3:1.0', interfaceClass: '03' }] })],
    }),
  );
  t.same(
    results.map((r) => [r.control, r.resource, r.status]),
    [
      ['DL-01', 'device stm32-01', 'pass'],
      ['DL-02', 'usb', 'pass'],
      ['DL-03', 'usb 1366:1015 000261000000', 'fail'],
      ['DL-04', 'serial', 'pass'],
      ['DL-05', 'usb 413c:2113 port 1-3', 'fail'],
    ],
  );
});

t.test('a source that failed is an error for every control it feeds; no evidence at all too', async (t) => {
  const results = judge(recorded({ state: 'failed', reason: 'cannot list /sys/bus/usb/devices: EACCES: permission denied' }));
  for (const c of ['DL-01', 'DL-02', 'DL-03', 'DL-05']) {
    const r = results.find((x) => x.control === c);
    t.equal(r?.status, 'error', c);
    t.equal(r?.detail, 'cannot list /sys/bus/usb/devices: EACCES: permission denied');
  }
  t.equal(results.find((x) => x.control === 'DL-01')?.resource, 'device stm32-01');
  t.same([...new Set(judge([]).map((r) => r.status))], ['error']);
});

t.test('through the runner: skipped without a devices section, judged with one', async (t) => {
  const dir = tempDir(t);
  const root = layTree(t, 'device-link-weak');
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ guardrails: { root } }));
  const none = await runChecks(load(file), ['device-link']);
  t.same([...new Set(none.results.map((r) => r.status))], ['skipped']);
  t.match(none.results[0]?.detail, /not configured: no devices section in the config/);
  writeFileSync(file, stringify({ guardrails: { root }, devices: {} }));
  const doc = await runChecks(load(file), ['device-link']);
  t.equal(resultOf(doc, 'DL-02').status, 'fail');
  t.ok(doc.findings.some((f) => f.control === 'DL-02' && f.severity === 'critical'), 'a critical finding');
  t.equal(resultOf(doc, 'DL-01').status, 'skipped');
});
