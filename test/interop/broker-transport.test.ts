// Interop: broker-transport against Debian's Mosquitto 2.0 (MQTT 3.1.1 and 5).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { createCa, serverCert } from '../../agent/lab/certs.js';
import { evidenceOf, load, resultOf, runChecks, tempDir } from '../helpers/lab.js';
import { skipReason, startMosquitto, writePasswordFile, writeWeakPki } from './mosquitto.js';

t.test('weak Mosquitto: plaintext anonymous listener and TLS 1.1 fail BT-01, BT-02, BT-03 with evidence; BT-07 stays quiet on the anonymous broker', { skip: skipReason() }, async (t) => {
  const dir = tempDir(t);
  await writeWeakPki(dir);
  const m = await startMosquitto('weak', dir, ['PLAIN', 'TLS', 'WRONGNAME']);
  t.teardown(() => m.stop());

  const config = {
    broker: {
      host: '127.0.0.1',
      servername: 'gateway.local',
      listeners: [
        { name: 'mqtt', port: m.ports.PLAIN, tls: false },
        { name: 'mqtts', port: m.ports.TLS, tls: true },
      ],
      default_credentials: false,
      ca_file: join(dir, 'ca.pem'),
    },
  };
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify(config));
  const doc = await runChecks(load(file), ['broker-transport']);

  const bt01 = resultOf(doc, 'BT-01', 'mqtt ');
  t.equal(bt01.status, 'fail');
  const bt02 = resultOf(doc, 'BT-02', 'mqtt ');
  t.equal(bt02.status, 'fail');
  const attempts = (evidenceOf(doc, bt02.evidence[0]!).data as { attempts: Array<{ protocol: string; code: number }> }).attempts;
  t.match(attempts.at(-1), { outcome: 'connack', protocol: '5', code: 0 }, 'Mosquitto answers MQTT 5: CONNACK reason code 0 as evidence');
  const bt03 = resultOf(doc, 'BT-03', 'mqtts ');
  t.equal(bt03.status, 'fail');
  t.match(bt03.detail, /TLSv1\.1 \(\d+ suites?, e\.g\. TLS_/);
  const versions = (evidenceOf(doc, bt03.evidence[0]!).data as { versions: Array<{ version: string; status: string; refusal?: string }> }).versions;
  t.match(versions.find((v) => v.version === 'TLSv1.1'), { status: 'accepted' });
  t.match(versions.find((v) => v.version === 'TLSv1'), { status: 'refused', refusal: /alert/ }, 'Debian 12 Mosquitto refuses TLS 1.0: observed as a refusal');
  t.equal(resultOf(doc, 'BT-02', 'mqtts ').status, 'fail');

  // The default credentials on (the config's default): a broker that lets anyone in without a
  // password keeps BT-07 quiet, since BT-02 already says so; no default login is reported as a finding.
  const { default_credentials: _off, ...withDefaults } = config.broker;
  writeFileSync(file, stringify({ broker: withDefaults }));
  const again = await runChecks(load(file), ['broker-transport']);
  t.match(resultOf(again, 'BT-07'), { status: 'skipped', detail: /^judged by BT-02: the broker checks no credentials/ }, 'BT-07 on an anonymous Mosquitto: skipped, pointing at BT-02');
  t.notOk(again.findings.some((f) => f.control === 'BT-07'), 'no BT-07 finding');
});

t.test('hardened Mosquitto: TLS 1.2+, passwords and ACLs → every BT control passes or is skipped with a reason', { skip: skipReason() }, async (t) => {
  const dir = tempDir(t);
  const ca = await createCa();
  const server = await serverCert(ca);
  writeFileSync(join(dir, 'server.crt'), server.certPem);
  writeFileSync(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  const password = `interop-${Date.now()}`;
  writePasswordFile(dir, 'pathaudit-probe', password);
  writeFileSync(join(dir, 'probe-password'), `${password}\n`, { mode: 0o600 });
  const m = await startMosquitto('hardened', dir, ['TLS']);
  t.teardown(() => m.stop());

  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(
    file,
    stringify({
      broker: {
        host: '127.0.0.1',
        servername: 'gateway.local',
        listeners: [{ name: 'mqtts', port: m.ports.TLS, tls: true }],
        auth: { username: 'pathaudit-probe', password_file: join(dir, 'probe-password') },
        ca_file: join(dir, 'ca.pem'),
      },
    }),
  );
  const doc = await runChecks(load(file), ['broker-transport']);
  for (const r of doc.results) {
    t.ok(r.status === 'pass' || (r.status === 'skipped' && r.detail.length > 0), `${r.control} ${r.resource}: ${r.status} — ${r.detail}`);
  }
  t.match(resultOf(doc, 'BT-02').detail, /refused/);
  // Mosquitto grants every SUBACK and applies ACLs per delivered message: with
  // nothing delivered, readability is undecidable and BT-06 says so.
  t.match(resultOf(doc, 'BT-06'), { status: 'skipped', detail: /nothing was delivered in the window/ });
  t.match(resultOf(doc, 'BT-07').detail, /all 3 default credentials refused/);
  t.equal(doc.findings.length, 0);
  t.ok(!JSON.stringify(doc).includes(password), 'the probe password appears nowhere in the run document');
});
