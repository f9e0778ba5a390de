// Interop: broker-cert against Debian's Mosquitto serving an expired
// certificate on one listener and a certificate for the wrong host name on another.
import { createHash, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { evidenceOf, load, resultOf, runChecks, tempDir } from '../helpers/lab.js';
import { skipReason, startMosquitto, writeWeakPki } from './mosquitto.js';

t.test('Mosquitto serving an expired and a wrong-name certificate: BC-01 and BC-03 fail with the served fingerprint', { skip: skipReason() }, async (t) => {
  const dir = tempDir(t);
  const { expired, wrongname } = await writeWeakPki(dir);
  const m = await startMosquitto('weak', dir, ['PLAIN', 'TLS', 'WRONGNAME']);
  t.teardown(() => m.stop());
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(
    file,
    stringify({
      broker: {
        host: '127.0.0.1',
        servername: 'gateway.local',
        listeners: [
          { name: 'expired', port: m.ports.TLS, tls: true },
          { name: 'wrongname', port: m.ports.WRONGNAME, tls: true },
        ],
        ca_file: join(dir, 'ca.pem'),
      },
    }),
  );
  const doc = await runChecks(load(file), ['broker-cert']);
  const fp = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

  const bc01 = resultOf(doc, 'BC-01', 'expired ');
  t.equal(bc01.status, 'fail');
  t.ok(JSON.stringify(bc01.evidence.map((id) => evidenceOf(doc, id).data)).toLowerCase().includes(fp(expired.certPem)), 'evidence carries the served certificate fingerprint');
  t.equal(resultOf(doc, 'BC-03', 'expired ').status, 'pass', 'the expired certificate names gateway.local');

  const bc03 = resultOf(doc, 'BC-03', 'wrongname ');
  t.equal(bc03.status, 'fail');
  t.match(bc03.detail, /gateway\.local/);
  t.ok(JSON.stringify(bc03.evidence.map((id) => evidenceOf(doc, id).data)).toLowerCase().includes(fp(wrongname.certPem)), 'evidence carries the served certificate fingerprint');
  t.equal(resultOf(doc, 'BC-01', 'wrongname ').status, 'pass');
});
