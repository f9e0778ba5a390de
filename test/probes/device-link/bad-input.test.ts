// device-link when sysfs or /dev is missing, partial or hidden: a clear
// reason, `skipped` or `error`, never `pass`.
import t from 'tap';
import { collectUsb } from '../../../probes/device-link/usb.js';
import { audit, buildTree, only, resultsOf } from './helpers.js';

const DEV = 'sys/devices/platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0/usb1';
/** The /sys/bus/usb/devices entry for a device folder (`''` is the root hub, `1-2/1-2:1.0` an interface). */
const link = (name: string, under = name) => ({
  [`sys/bus/usb/devices/${name}`]: { link: `../../../devices/platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0/usb1${under ? `/${under}` : ''}` },
});

t.test('an image root without sysfs: the USB controls are skipped with the reason, serial nodes still judged', async (t) => {
  const root = buildTree(t, { 'dev/ttyACM0': { text: '', mode: 0o600 }, 'etc/group': 'dialout:x:20:\n' });
  const { results } = await audit({ inventory: [{ id: 'stm32-01', usb_serial: 'X1' }] }, root);
  for (const c of ['DL-01', 'DL-02', 'DL-03', 'DL-05']) {
    for (const r of resultsOf(results, c)) {
      t.equal(r.status, 'skipped', `${c} ${r.resource}`);
      t.match(r.detail, /no \/sys\/bus\/usb\/devices under .*an image carries no sysfs/);
    }
  }
  t.equal(only(results, 'DL-01', 'device stm32-01').status, 'skipped');
  t.equal(only(results, 'DL-04', 'serial /dev/ttyACM0').status, 'pass');
});

t.test('the live root without /sys/bus/usb is an error: the agent cannot see the bus', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  const usb = await collectUsb({ root, live: true }, new AbortController().signal);
  t.equal(usb.state, 'failed');
  t.match(usb.state === 'failed' ? usb.reason : '', /\/sys\/bus\/usb\/devices does not exist: sysfs is not mounted or is hidden from the agent/);
});

t.test('a partial sysfs entry: error on that device, and no control passes over it', async (t) => {
  const root = buildTree(t, {
    ...link('usb1', ''),
    [`${DEV}/idVendor`]: '1d6b\n',
    ...link('1-1'),
    [`${DEV}/1-1/idProduct`]: '5740\n', // idVendor missing
    [`${DEV}/1-1/bDeviceClass`]: '02\n',
    ...link('1-2'),
    [`${DEV}/1-2/idVendor`]: '0483\n',
    [`${DEV}/1-2/idProduct`]: '5740\n',
    [`${DEV}/1-2/bDeviceClass`]: '00\n',
    [`${DEV}/1-2/serial`]: 'ABC\n',
    [`${DEV}/1-2/product/x`]: 'a directory where a file should be', // unreadable (EISDIR)
    ...link('1-2:1.0', '1-2/1-2:1.0'),
    [`${DEV}/1-2/1-2:1.0/bInterfaceClass`]: '08\n',
    'dev/null': '',
    'etc/group': 'dialout:x:20:\n',
  });
  const { results, evidence } = await audit({ inventory: [{ id: 'stm32-01', usb_serial: 'ABC' }, { id: 'stm32-02', usb_serial: 'NOPE' }] }, root);
  const usb = evidence.find((e) => e.key === 'usb-devices')?.data as { devices: Array<{ busPath: string; unreadable: string[] }> };
  t.same(usb.devices.find((d) => d.busPath === '1-1')?.unreadable, ['1-1/idVendor: missing']);
  t.match(usb.devices.find((d) => d.busPath === '1-2')?.unreadable, [/^1-2\/product: EISDIR/]);

  t.equal(only(results, 'DL-01', 'device stm32-01').status, 'pass', 'the serial that could be read still proves attachment');
  t.equal(only(results, 'DL-01', 'device stm32-02').status, 'fail', 'every serial was readable (1-1 lacks one, it is not unreadable)');
  for (const c of ['DL-02', 'DL-03', 'DL-05']) {
    t.notOk(resultsOf(results, c).some((r) => r.status === 'pass'), `${c}: no pass while a device could not be judged`);
    const r = only(results, c, 'usb ????:5740 port 1-1');
    t.equal(r.status, 'error');
    t.match(r.detail, /sysfs entry 1-1 is partial \(1-1\/idVendor: missing\): what this device is cannot be told/);
  }
  t.match(only(results, 'DL-03', 'usb 0483:5740 ABC').detail, /product string of 1-2 could not be read, so a CMSIS-DAP probe cannot be ruled out/);
  t.same(
    resultsOf(results, 'DL-05').map((r) => r.resource),
    ['usb ????:5740 port 1-1'],
    "the inventory device's mass-storage interface is known: only the partial entry is reported",
  );
});

t.test('/dev without the nodes the kernel lists (systemd PrivateDevices=yes): DL-04 is an error per node', async (t) => {
  const root = buildTree(t, {
    'sys/devices/pci0/usb1/1-1/1-1:1.0/tty/ttyACM0/dev': '166:0\n',
    'sys/class/tty/ttyACM0': { link: '../../devices/pci0/usb1/1-1/1-1:1.0/tty/ttyACM0' },
    'dev/null': '',
    'etc/group': 'dialout:x:20:\n',
  });
  const { results } = await audit({}, root);
  const r = only(results, 'DL-04', 'serial /dev/ttyACM0');
  t.equal(r.status, 'error');
  t.match(r.detail, /the kernel lists ttyACM0 \(\/sys\/class\/tty\) but \/dev\/ttyACM0 is not visible to the agent.*PrivateDevices=yes/);
  t.equal(resultsOf(results, 'DL-04').length, 1, 'no pass row beside it');
});

t.test('a group-writable node with no etc/group under the root: error, the group cannot be named', async (t) => {
  const root = buildTree(t, { 'dev/ttyUSB0': { text: '', mode: 0o660 } });
  const { results } = await audit({}, root);
  const r = only(results, 'DL-04', 'serial /dev/ttyUSB0');
  t.equal(r.status, 'error');
  t.match(r.detail, /group-writable by gid \d+, and no \/etc\/group under the root to name it/);
});

t.test('no /dev under the root: DL-04 skipped with the reason', async (t) => {
  const root = buildTree(t, { 'etc/group': 'dialout:x:20:\n' });
  const { results } = await audit({}, root);
  const r = only(results, 'DL-04', 'serial');
  t.equal(r.status, 'skipped');
  t.match(r.detail, /no \/dev under .*: serial nodes cannot be observed/);
});

t.test('sysfs links that leave the root are read inside it, never on the auditing machine', async (t) => {
  // An absolute link, as an image mounted elsewhere would carry: re-anchored at the root.
  const root = buildTree(t, {
    'sys/bus/usb/devices/1-1': { link: '/sys/devices/usb1/1-1' },
    'sys/devices/usb1/1-1/idVendor': '1366\n',
    'sys/devices/usb1/1-1/idProduct': '0105\n',
    'sys/devices/usb1/1-1/bDeviceClass': '00\n',
    'sys/devices/usb1/1-1/product': 'J-Link\n',
    'dev/null': '',
  });
  const { results } = await audit({}, root);
  const r = only(results, 'DL-03', 'usb 1366:0105 port 1-1');
  t.equal(r.status, 'fail');
  t.match(r.detail, /^SEGGER J-Link debug probe attached/);
});
