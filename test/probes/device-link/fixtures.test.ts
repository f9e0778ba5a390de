// device-link against fixture trees: a weak gateway (ST-LINK, an STM32 in DFU
// mode, a CMSIS-DAP probe, a USB stick and a keyboard, world- and
// wrong-group-writable serial nodes, an inventory device missing) fails every
// control; a hardened one (two STM32s, an allowed LTE modem, dialout 0660
// nodes) passes every control.
import t from 'tap';
import { audit, layTree, only, resultsOf } from './helpers.js';

const INVENTORY = [
  { id: 'stm32-01', usb_serial: '206F35A04D4B' },
  { id: 'stm32-02', usb_serial: '205F31A04D4B' },
  { id: 'stm32-03' }, // no usb_serial: not expected on USB
];

t.test('weak tree: every control fails, naming the device and what it is', async (t) => {
  const root = layTree(t, 'device-link-weak');
  const { results, evidence } = await audit({ inventory: INVENTORY }, root);

  t.equal(only(results, 'DL-01', 'device stm32-01').status, 'pass', 'stm32-01 is attached (serial in sysfs)');
  t.match(only(results, 'DL-01', 'device stm32-01').detail, /0483:5740 "STM32 Virtual ComPort".*at USB port 2-1/);
  const missing = only(results, 'DL-01', 'device stm32-02');
  t.equal(missing.status, 'fail', 'stm32-02 is not attached');
  t.match(missing.detail, /no attached USB device reports serial 205F31A04D4B/);
  t.equal(resultsOf(results, 'DL-01').length, 2, 'an inventory device without usb_serial is not judged');

  const dfu = only(results, 'DL-02', 'usb 0483:df11 3574364C3034');
  t.equal(dfu.status, 'fail');
  t.equal(dfu.evidence[0], 'usb-devices');
  t.match(dfu.detail, /ROM bootloader, USB DFU mode: 0483:df11 "DFU in FS Mode" by STMicroelectronics, serial 3574364C3034, at USB port 1-2/);
  t.equal(resultsOf(results, 'DL-02').length, 1, 'only the DFU device, no pass row beside the failure');

  const probes = resultsOf(results, 'DL-03');
  t.same(
    probes.map((r) => [r.resource, r.status]),
    [
      ['usb 0483:374b 066DFF485550755187121937', 'fail'],
      ['usb 2e8a:000c E6614C311B4A6B2F', 'fail'],
    ],
    'the ST-LINK and the CMSIS-DAP probe (by product string)',
  );
  t.match(probes[0]?.detail, /^ST-LINK debug probe attached/);
  t.match(probes[1]?.detail, /^CMSIS-DAP debug probe attached/);

  const unknownUsb = resultsOf(results, 'DL-05');
  t.same(
    unknownUsb.map((r) => [r.resource, r.status]),
    [
      ['usb 0781:5567 4C530001230711118263', 'fail'],
      ['usb 046d:c31c port 2-2', 'fail'],
    ],
    "the USB stick and the keyboard; not the ST-LINK's own mass-storage interface (DL-03's)",
  );
  t.match(unknownUsb[0]?.detail, /^mass storage device not in the inventory nor devices.allowed_usb/);
  t.match(unknownUsb[1]?.detail, /^HID device/);

  const nodes = resultsOf(results, 'DL-04');
  const byResource = Object.fromEntries(nodes.map((r) => [r.resource, r]));
  t.equal(byResource['serial /dev/ttyACM0']?.status, 'fail');
  t.match(byResource['serial /dev/ttyACM0']?.detail, /mode 0666: writable by every user.*by-id usb-STMicroelectronics_STM32_STLink_066DFF485550755187121937-if02/);
  for (const n of ['ttyACM1', 'ttyACM2', 'ttyUSB0']) {
    t.equal(byResource[`serial /dev/${n}`]?.status, 'fail', `${n}: group plugdev may write`);
    t.match(byResource[`serial /dev/${n}`]?.detail, /mode 0660: writable by group plugdev, not the serial group dialout/);
  }
  t.equal(byResource['serial /dev/ttyAMA10']?.status, 'fail', 'the UART console is group-writable too');
  t.notOk(byResource['serial /dev/tty1'], 'virtual consoles are not serial nodes');

  const serial = evidence.find((e) => e.key === 'serial-nodes')?.data as { danglingLinks: Array<{ link: string; target: string }>; kernelTtys: string[] };
  t.same(serial.danglingLinks, [{ link: '/dev/serial/by-id/usb-STMicroelectronics_STM32_Virtual_ComPort_205F31A04D4B-if00', target: '/dev/ttyACM9' }], 'a stale by-id link is recorded');
  t.same(serial.kernelTtys, ['ttyACM0', 'ttyACM1', 'ttyACM2', 'ttyAMA10', 'ttyUSB0']);
  const usb = evidence.find((e) => e.key === 'usb-devices')?.data as { rootHubs: number; devices: unknown[] };
  t.equal(usb.rootHubs, 2, 'root hubs counted, not judged');
  t.equal(usb.devices.length, 7);
});

t.test('hardened tree: every control passes', async (t) => {
  const root = layTree(t, 'device-link-hardened');
  const { results } = await audit({ inventory: INVENTORY, allowed_usb: ['12D1:1506'] }, root);
  for (const r of results) t.equal(r.status, 'pass', `${r.control} ${r.resource}: ${r.detail}`);
  t.same(
    [...new Set(results.map((r) => r.control))],
    ['DL-01', 'DL-02', 'DL-03', 'DL-04', 'DL-05'],
  );
  t.match(only(results, 'DL-05', 'usb').detail, /1 mass-storage or HID device\(s\), all known: 12d1:1506 "HUAWEI Mobile".*\(devices.allowed_usb\)/);
  t.match(only(results, 'DL-04', 'serial /dev/ttyACM0').detail, /mode 0660, owner .*group dialout: writable by its owner and the serial group dialout only/);
  t.match(only(results, 'DL-02', 'usb').detail, /no STM32 in DFU mode \(0483:df11\) among 3 USB device\(s\)/);
});

t.test('the allowed modem is a finding when devices.allowed_usb does not list it', async (t) => {
  const root = layTree(t, 'device-link-hardened');
  const { results } = await audit({ inventory: INVENTORY }, root);
  const r = only(results, 'DL-05', 'usb 12d1:1506 port 2-1');
  t.equal(r.status, 'fail');
  t.match(r.detail, /^mass storage device/);
});

t.test('devices.serial_group names the group that may write', async (t) => {
  const root = layTree(t, 'device-link-weak');
  const { results } = await audit({ serial_group: 'plugdev' }, root);
  t.equal(only(results, 'DL-04', 'serial /dev/ttyACM1').status, 'pass');
  t.equal(only(results, 'DL-04', 'serial /dev/ttyACM0').status, 'fail', 'other-writable fails whatever the group');
  t.equal(only(results, 'DL-01', 'usb').status, 'skipped', 'no inventory entry with usb_serial');
  t.match(only(results, 'DL-01', 'usb').detail, /no devices.inventory entry has usb_serial/);
});
