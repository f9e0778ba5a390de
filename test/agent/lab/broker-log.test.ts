// The lab broker's own log: real clients against the real aedes lab broker,
// and the file it writes compared line for line with what Debian's Mosquitto
// 2.0.11 wrote for the same behaviour (test/fixtures/broker-logs), then read
// by broker-sessions' own parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import t from 'tap';
import { MosquittoLog, type LoggedLine } from '../../../agent/lab/broker-log.js';
import { PROFILES, startLabBroker } from '../../../agent/lab/broker.js';
import { startDevices } from '../../../agent/lab/devices.js';
import { createLabPki } from '../../../agent/lab/gateway.js';
import { classifyTls, parseMessage } from '../../../probes/broker-sessions/mosquitto.js';
import { tempDir } from '../../helpers/lab.js';
import { mosquittoShapes, EPOCH_LINE, LAB_ONLY, shapeOf } from './log-shapes.js';

/** The next line the log writes that matches, from now on. */
function nextLine(log: MosquittoLog, match: (message: string) => boolean): Promise<LoggedLine> {
  return new Promise((resolve) => {
    const on = (l: LoggedLine) => {
      if (!match(l.message)) return;
      log.off('line', on);
      resolve(l);
    };
    log.on('line', on);
  });
}

t.test('connects, a takeover, a refused login and a TLS failure are logged as Mosquitto 2.0.11 logs them', async (t) => {
  const dir = tempDir(t);
  const pki = await createLabPki();
  const log = new MosquittoLog(join(dir, 'log', 'mosquitto.log'));
  const broker = await startLabBroker({ knobs: PROFILES.hardened, server: pki.server, users: { dev: 'right-password' }, log });
  t.teardown(() => broker.close());
  const port = broker.listeners.find((l) => l.tls)!.port;
  const connect = (password: string) =>
    startDevices({ url: `mqtts://127.0.0.1:${port}`, ca: pki.brokerCa.certPem, servername: 'gateway.local', devices: [{ id: 'twin', username: 'dev', password, knobs: { silent: true } }] });

  const first = await connect('right-password');
  const second = await connect('right-password');
  await t.rejects(connect('wrong-password'), /cannot connect/, 'the broker refuses the wrong password');
  const tlsFailure = nextLine(log, (m) => m.startsWith('OpenSSL Error[0]: '));
  await new Promise<void>((resolve) => {
    const old = tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', rejectUnauthorized: false });
    old.on('error', () => resolve());
    old.on('secureConnect', () => resolve());
  });
  await tlsFailure;
  const disconnected = nextLine(log, (m) => m === 'Client twin disconnected.');
  await first.stop();
  await second.stop();
  await disconnected;

  const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
  const messages = lines.map((l) => EPOCH_LINE.exec(l)?.[2]);
  t.same(messages.filter((m) => m === undefined), [], 'every line starts with epoch seconds and ": "');
  const real = mosquittoShapes();
  for (const m of messages as string[]) if (!LAB_ONLY.test(m)) t.ok(real.has(shapeOf(m)), `Mosquitto wrote this shape: ${m}`);

  const events = (messages as string[]).map((m) => parseMessage(m)).filter((e) => e !== null);
  t.same(
    events.filter((e) => e.type === 'connected').map((e) => [e.id, e.user, e.protocol]),
    [
      ['twin', 'dev', 2],
      ['twin', 'dev', 2],
    ],
    'both sessions connected as twin, user dev, MQTT 3.1.1 (p2)',
  );
  t.same(events.filter((e) => e.type === 'takeover'), [{ type: 'takeover', id: 'twin' }], 'one takeover of twin');
  t.same(events.filter((e) => e.type === 'not-authorised'), [{ type: 'not-authorised', id: null }], 'the refused login, as <unknown>');
  const tlsErrors = events.filter((e) => e.type === 'tls-error');
  t.equal(tlsErrors.length, 1, 'one TLS failure');
  t.equal(tlsErrors[0]?.type === 'tls-error' && classifyTls(tlsErrors[0].reason), 'protocol', `a protocol-level failure: ${JSON.stringify(tlsErrors[0])}`);
  t.equal(events.filter((e) => e.type === 'accepted').length, 4, 'a New connection line for each of the four connections');

  const at = (m: string) => (messages as string[]).indexOf(m);
  const takeover = at('Client twin already connected, closing old connection.');
  t.ok(takeover > 0 && (messages as string[]).slice(takeover + 1).some((m) => m.includes(' as twin (')), 'the takeover line comes before the new session is connected');
  t.equal((messages as string[]).filter((m) => m === 'Client twin disconnected.').length, 1, 'the closed session gets no disconnect line of its own, as in Mosquitto');
  t.ok(at('Client <unknown> disconnected, not authorised.') > 0);
});

t.test('the log outlives a restart of the broker: both brokers append to one file', async (t) => {
  const dir = tempDir(t);
  const log = new MosquittoLog(join(dir, 'log', 'mosquitto.log'));
  const one = await startLabBroker({ knobs: { ...PROFILES.weak, tls: false, websocket: false }, log });
  await one.close();
  const two = await startLabBroker({ knobs: { ...PROFILES.weak, tls: false, websocket: false }, log });
  await two.close();
  const messages = readFileSync(log.file, 'utf8').trimEnd().split('\n').map((l) => EPOCH_LINE.exec(l)?.[2]);
  t.same(
    messages.map((m) => m?.replace(/\d+\.$/, 'N.')),
    ['Opening ipv4 listen socket on port N.', 'pathaudit lab broker (aedes) running', 'pathaudit lab broker (aedes) terminating', 'Opening ipv4 listen socket on port N.', 'pathaudit lab broker (aedes) running', 'pathaudit lab broker (aedes) terminating'],
  );
});
