// The simulated STM32 devices themselves: own certificate over mTLS, own
// counter, exact fault schedules (tests elsewhere rely on these numbers).
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { PROFILES, startLabBroker } from '../../../agent/lab/broker.js';
import { createCa, deviceCert, serverCert } from '../../../agent/lab/certs.js';
import { scheduled, startDevices } from '../../../agent/lab/devices.js';

t.test('each device presents its own client certificate when the broker asks (mTLS) and keeps its own counter', async (t) => {
  const ca = await createCa('CN=lab broker CA');
  const deviceCa = await createCa('CN=lab device CA');
  const broker = await startLabBroker({ knobs: { ...PROFILES.hardened, anonymous: true }, server: await serverCert(ca), deviceCa });
  t.teardown(() => broker.close());
  const presented = new Map<string, string>();
  broker.broker.on('client', (c) => {
    const cert = ((c as unknown as { conn: TLSSocket }).conn).getPeerCertificate();
    presented.set(c.id, String(cert.subject?.CN));
  });
  const seqs = new Map<string, number[]>();
  // aedes may acknowledge a QoS 1 publish before its 'publish' event reaches
  // listeners, so the devices' own "done" does not mean the broker side has
  // seen all ten: wait for the tenth publish event (bounded).
  let seen = 0;
  let allSeen!: () => void;
  const tenSeen = new Promise<void>((r) => (allSeen = r));
  broker.broker.on('publish', (p, c) => {
    if (!c || !p.topic.endsWith('/telemetry')) return;
    seqs.set(c.id, [...(seqs.get(c.id) ?? []), (JSON.parse(p.payload.toString()) as { seq: number }).seq]);
    if (++seen === 10) allSeen();
  });
  const port = broker.listeners.find((l) => l.tls)!.port;
  const running = await startDevices({
    url: `mqtts://127.0.0.1:${port}`,
    ca: ca.certPem,
    servername: 'gateway.local',
    devices: [
      { id: 'stm32-01', cert: await deviceCert(deviceCa, 'stm32-01'), knobs: { rateHz: 200, messages: 5 } },
      { id: 'stm32-02', cert: await deviceCert(deviceCa, 'stm32-02'), knobs: { rateHz: 200, messages: 5, startSeq: 100 } },
    ],
  });
  t.teardown(() => running.stop());
  await running.done;
  await Promise.race([tenSeen, new Promise((r) => setTimeout(r, 10_000).unref())]);
  t.same(Object.fromEntries(presented), { 'stm32-01': 'stm32-01', 'stm32-02': 'stm32-02' });
  t.same(seqs.get('stm32-01'), [0, 1, 2, 3, 4]);
  t.same(seqs.get('stm32-02'), [100, 101, 102, 103, 104]);
  t.same(running.counts().map((c) => c.acknowledged), [5, 5], 'every QoS 1 publish was acknowledged');
});

t.test('fault schedules are exact: 2% of 500 is 10, evenly spread', async (t) => {
  const hits = Array.from({ length: 500 }, (_, i) => i).filter((i) => scheduled(i, 0.02));
  t.equal(hits.length, 10);
  t.same(hits.slice(0, 3), [49, 99, 149]);
  t.equal(Array.from({ length: 500 }, (_, i) => i).filter((i) => scheduled(i, undefined)).length, 0);
});

t.test('devices refuse to publish beyond loopback', async (t) => {
  await t.rejects(startDevices({ url: 'mqtt://192.0.2.1:1883', devices: [{ id: 'x' }] }), /loopback only/);
});
