// Mutual TLS on a real aedes listener (client certificates required in the
// handshake): recognised, never an error because of it, and judged with a
// probe identity by certificate.
import t from 'tap';
import { brokerLab, PROBE } from '../../helpers/broker-lab.js';
import { evidenceOf, load, resultOf, runChecks } from '../../helpers/lab.js';

const MTLS = { plaintext: false, websocket: false, clientCertificate: 'required' as const };

t.test('mTLS listener, probe identity by password only: recognised; BT-01/02/05/08 pass, BT-06/BT-07 skipped with the reason, nothing is error', async (t) => {
  const lab = await brokerLab(t, MTLS);
  const doc = await runChecks(load(lab.config({ auth: { username: PROBE, password_file: lab.files.password } })), ['broker-transport']);
  t.same(doc.results.filter((r) => r.status === 'error'), [], 'no control is error because of mTLS');
  t.match(resultOf(doc, 'BT-01'), { status: 'pass', detail: /listener speaks TLS: not plaintext; client certificate required/ });
  const bt02 = resultOf(doc, 'BT-02');
  t.equal(bt02.status, 'pass');
  t.match(bt02.detail, /^client certificate required: an anonymous client cannot connect without a certificate from one of CN=pathaudit lab device CA \(a session without one ended on TLS alert 116 certificate_required after a TLS 1\.3 handshake; CAs the server accepts: CN=pathaudit lab device CA\)/, 'the CA names come from the CertificateRequest the TLS scan read');
  const clientAuth = evidenceOf(doc, bt02.evidence.find((e) => e.includes('tls-client-auth'))!);
  t.match(clientAuth, { kind: 'tls-client-auth', data: { alert: { code: 116, name: 'certificate_required' }, protocol: 'TLSv1.3', mqttReached: false } });
  t.match(resultOf(doc, 'BT-05'), { status: 'pass', detail: /\(client certificate required\)/ });
  t.equal(resultOf(doc, 'BT-08').status, 'pass');
  t.match(resultOf(doc, 'BT-06'), { status: 'skipped', detail: /^client certificate required .*: probe identity pathaudit-probe cannot open a session without one; configure broker\.auth\.cert_file/ });
  t.match(resultOf(doc, 'BT-07'), { status: 'skipped', detail: /^client certificate required .*: no user name and password reach the broker without one/ });
  t.equal(lab.broker.logins.length, 0, 'no CONNECT reached the broker: every session was refused in TLS');
});

t.test('mTLS with a probe certificate the broker takes as the identity: BT-06 judged (pass on refused SUBACKs); BT-07 skipped, passwords are not checked', async (t) => {
  const lab = await brokerLab(t, { ...MTLS, certificateIdentity: true });
  const doc = await runChecks(load(lab.config({ auth: { cert_file: lab.files.cert, key_file: lab.files.key } })), ['broker-transport']);
  t.same(doc.results.filter((r) => r.status === 'error'), [], 'nothing is error');
  t.match(resultOf(doc, 'BT-06'), { status: 'pass', detail: /^probe identity client certificate CN=pathaudit-probe: # refused \(SUBACK 0x80\), \$SYS\/# refused \(SUBACK 0x80\)/ });
  const bt07 = resultOf(doc, 'BT-07');
  t.equal(bt07.status, 'skipped');
  t.match(bt07.detail, /takes the identity from the client certificate: with the probe's certificate a random user name and password \("pathaudit-control-[0-9a-f]{8}"\) were accepted too/);
  t.equal(resultOf(doc, 'BT-02').status, 'pass', 'anonymous clients still need a certificate');
});

t.test('mTLS plus passwords: defaults are tried with the probe certificate; one accepted fails BT-07, all refused pass it', async (t) => {
  const weak = await brokerLab(t, MTLS, { admin: 'admin' });
  const auth = (lab: typeof weak) => ({ auth: { username: PROBE, password_file: lab.files.password, cert_file: lab.files.cert, key_file: lab.files.key } });
  let doc = await runChecks(load(weak.config(auth(weak))), ['broker-transport']);
  t.match(resultOf(doc, 'BT-07'), { status: 'fail', detail: /^default credential accepted with the probe's client certificate for user\(s\) "admin" \(built-in list entry 1\)/ });
  t.equal(resultOf(doc, 'BT-06').status, 'pass', 'the probe logged in with certificate and password');

  const strong = await brokerLab(t, MTLS);
  doc = await runChecks(load(strong.config(auth(strong))), ['broker-transport']);
  t.match(resultOf(doc, 'BT-07'), { status: 'pass', detail: /^all 3 default credentials refused with the probe's client certificate/ });
});

t.test('a probe certificate from another CA: refused at TLS, BT-06 is error with the reason, never pass', async (t) => {
  const lab = await brokerLab(t, { ...MTLS, certificateIdentity: true });
  const doc = await runChecks(load(lab.config({ auth: { cert_file: lab.files.strangerCert, key_file: lab.files.strangerKey } })), ['broker-transport']);
  const bt06 = resultOf(doc, 'BT-06');
  t.equal(bt06.status, 'error');
  // The server drops the session after the TLS 1.3 handshake the client saw complete.
  t.match(bt06.detail, /^probe identity client certificate CN=pathaudit-probe could not open a session: no CONNACK/);
});

t.test('the probe key never reaches the run document', async (t) => {
  const lab = await brokerLab(t, { ...MTLS, certificateIdentity: true });
  const doc = await runChecks(load(lab.config({ auth: { cert_file: lab.files.cert, key_file: lab.files.key } })), ['broker-transport']);
  const { readFileSync } = await import('node:fs');
  const keyLines = readFileSync(lab.files.key, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
  const json = JSON.stringify(doc);
  for (const line of keyLines) t.notOk(json.includes(line), 'no line of the key in the run document');
});
