// The lab gateway's devices as device-trust sees them: the demo fleet's
// client-id takeover is in the broker's log before the lab is handed over, in
// an earlier second than any run can start in, so the first run's window
// (widened to whole seconds) does not take it for the probe's own traffic;
// the weak gateway's USB bus has a board in DFU mode and an ST-LINK, the
// hardened one neither, and a pinned bus survives hardening.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { silentLogger } from '../../../agent/log.js';
import type { RunDocument } from '../../../agent/runner/document.js';
import { runAndStore } from '../../../agent/runner/index.js';
import { openStore } from '../../../agent/store/index.js';
import type { LabGateway } from '../../../agent/lab/gateway.js';
import { LAB_DFU_BOARD, LAB_ST_LINK, labUsbSerial } from '../../../agent/lab/usb.js';
import type { ScanObservation } from '../../../probes/broker-sessions/evidence.js';
import { labGateway, load } from '../../helpers/lab.js';
import { EPOCH_LINE } from './log-shapes.js';

const status = (doc: RunDocument, control: string, resource?: string) =>
  doc.results.filter((r) => r.control === control && (resource === undefined || r.resource === resource)).map((r) => r.status);

function deviceTrust(t: Test, gw: LabGateway) {
  const loaded = load(gw.configFile);
  const store = openStore(join(gw.dir, 'pathaudit.db'));
  t.teardown(() => store.close());
  return () => runAndStore({ loaded, store, bundle: 'device-trust', trigger: 'cli', log: silentLogger() });
}

const DFU = `usb 0483:df11 ${LAB_DFU_BOARD.serial}`;
const ST_LINK = `usb 0483:374b ${LAB_ST_LINK.serial}`;

t.test('the demo fleet: the takeover is logged before the lab is handed over, and every run judges it as the devices\'', async (t) => {
  const gw = await labGateway(t, { profile: 'weak', usb: 'weak', devices: 'demo' });
  const handedOverS = Math.floor(Date.now() / 1000);
  const takeovers = readFileSync(gw.config.broker!.log_file!, 'utf8')
    .split('\n')
    .map((l) => EPOCH_LINE.exec(l))
    .filter((m) => m?.[2] === 'Client stm32-02 already connected, closing old connection.');
  t.equal(takeovers.length, 1, 'one takeover of stm32-02 in the broker log');
  const loggedS = Number(takeovers[0]![1]);
  t.ok(loggedS < handedOverS, `logged in second ${loggedS}, before the lab was handed over in second ${handedOverS}`);
  t.equal(gw.broker.broker.connectedClients, 3, 'the twin board is off the broker; the three devices are on');

  const run = deviceTrust(t, gw);
  const first = await run();
  t.ok(loggedS < Math.floor(Date.parse(first.run.startedAt) / 1000), "the takeover's second is outside the first run's window");
  const bs01 = first.results.filter((r) => r.control === 'BS-01');
  t.same(bs01.map((r) => [r.resource, r.status]), [['client stm32-02', 'fail']]);
  t.match(bs01[0]!.detail, /client id stm32-02 was taken over 1 time/);
  const scan = first.evidence.find((e) => e.kind === 'broker-log-scan')!.data as ScanObservation;
  t.ok(scan.state === 'observed' && scan.lines.judged > 0, 'the lab log was read and judged');
  for (const c of ['BS-02', 'BS-03', 'BS-04', 'BS-05']) t.same(status(first, c), ['pass'], `${c} passes: nothing else happened outside runs`);

  t.same(status(first, 'DL-02', DFU), ['fail'], 'the board in DFU mode');
  t.same(status(first, 'DL-03', ST_LINK), ['fail'], 'the ST-LINK');
  for (const id of ['stm32-01', 'stm32-02', 'stm32-03']) t.same(status(first, 'DL-01', `device ${id}`), ['pass'], `${id} attached (usb_serial ${labUsbSerial(id)})`);
  t.ok(status(first, 'DL-04').length === 4 && status(first, 'DL-04').every((s) => s === 'pass'), 'four serial nodes, all in the configured serial group');
  t.same(status(first, 'DL-05'), ['pass']);

  // Hardening the software unplugs nothing when the bus is pinned; the second
  // run still sees the takeover (the first run's window does not cover it).
  await gw.reconfigure('hardened');
  const second = await run();
  t.same(status(second, 'DL-02', DFU), ['fail'], 'still plugged in after hardening');
  t.same(status(second, 'BS-01', 'client stm32-02'), ['fail'], 'the takeover is still the devices\' after another run');
});

t.test('the hardened gateway has neither; hardening a weak one unplugs them', async (t) => {
  const hardened = await labGateway(t, { profile: 'hardened', devices: 'demo' });
  const doc = await deviceTrust(t, hardened)();
  t.same(status(doc, 'DL-02'), ['pass']);
  t.same(status(doc, 'DL-03'), ['pass']);

  const weak = await labGateway(t, { profile: 'weak', devices: 'demo' });
  const run = deviceTrust(t, weak);
  t.same(status(await run(), 'DL-03', ST_LINK), ['fail'], 'the weak gateway has an ST-LINK');
  await weak.reconfigure('hardened');
  const after = await run();
  t.same(status(after, 'DL-02'), ['pass'], 'an operator unplugged the DFU board');
  t.same(status(after, 'DL-03'), ['pass'], 'and the ST-LINK');
});
