// ingest-auth against the real lab relay (fastify) on loopback, over HTTP and
// HTTPS with certificates made at test time: every IA control fails once and
// passes once, each time for the reason the evidence shows.
import net from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { evidenceOf, freePort, load, resultOf, runChecks, tempDir } from '../../helpers/lab.js';
import { httpRequest } from '../../../probes/http.js';
import { hs256Jwt } from '../../../probes/ingest-auth/jwt.js';
import { createCa, deviceCert } from '../../../agent/lab/certs.js';
import { RELAY_PROFILES, startLabRelay } from '../../../agent/lab/relay.js';
import { auditIngest, auditMtlsRelay, relayPki, relayRun, requestEvidence, startRelay, type RelayPki } from './relay-helpers.js';

let pki: RelayPki;
t.before(async () => {
  pki = await relayPki();
});

t.test('hardened HTTPS relay passes IA-01..IA-07: 401 without credentials, 202 with the bearer token, no token in the run document', async (t) => {
  const { doc, json, token, relay } = await relayRun(t, { profile: 'hardened', pki });
  for (const id of ['IA-01', 'IA-02', 'IA-03', 'IA-04', 'IA-05', 'IA-06', 'IA-07']) t.equal(resultOf(doc, id).status, 'pass', `${id} passes: ${resultOf(doc, id).detail}`);
  t.equal(resultOf(doc, 'IA-01').resource, `ingest ${relay.url}`, 'resource id is `ingest <url>`');

  const none = requestEvidence(doc, 'no-credentials');
  t.equal(none.data.response.status, 401, 'evidence: 401 without credentials');
  t.equal(none.data.credential.kind, 'none');
  t.match(none.data.response.headers, { 'www-authenticate': /^Bearer/ }, 'the challenge header is kept');
  const valid = requestEvidence(doc, 'valid-credential');
  t.equal(valid.data.response.status, 202, 'evidence: 202 with the bearer token');
  t.same(valid.data.credential, { kind: 'bearer', variant: 'valid' }, 'the credential kind is recorded, not its value');
  t.equal(valid.data.method, 'POST');
  t.ok(valid.data.response.durationMs >= 0, 'duration recorded');
  t.same(resultOf(doc, 'IA-01').evidence, [none.id], 'IA-01 references the request without credentials');

  t.notOk(json.includes(token), 'the bearer token appears nowhere in the run document');
  t.notOk(Buffer.from(json).includes(Buffer.from(Buffer.from(token).toString('base64'))), 'nor base64-encoded');
  t.equal(relay.forwarded.length, 0, 'no probe request was forwarded upstream');
  t.equal(relay.probesDropped, 1, 'the one probe request that passed auth and parsing was answered and dropped');
  // The same relay forwards a device's message: dropping is by the marker, not by accident.
  const device = await httpRequest({
    method: 'POST',
    url: new URL(relay.url),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{"device":"stm32-01","seq":1}',
    timeoutMs: 2000,
  });
  t.match(device, { outcome: 'response', status: 202 });
  t.same(relay.forwarded.map((m) => m.body), [{ device: 'stm32-01', seq: 1 }], 'the device message is forwarded');
});

t.test('weak relay over plain HTTP: IA-01 fails with the 2xx status, IA-04 fails, IA-05 is skipped (no TLS)', async (t) => {
  const { doc, relay } = await relayRun(t, { profile: 'weak', pki, knobs: { tls: false } });
  t.match(relay.url, /^http:\/\//);
  const ia01 = resultOf(doc, 'IA-01');
  t.equal(ia01.status, 'fail');
  t.equal(ia01.severity, 'critical');
  t.match(ia01.detail, /HTTP 200/);
  t.equal((evidenceOf(doc, ia01.evidence[0]!).data as { response: { status: number } }).response.status, 200, 'evidence holds the 2xx status');
  const ia04 = resultOf(doc, 'IA-04');
  t.equal(ia04.status, 'fail');
  t.match(ia04.detail, /plain http/);
  t.equal(resultOf(doc, 'IA-05').status, 'skipped');
  t.equal(resultOf(doc, 'IA-06').status, 'fail', 'bad JSON → 500 and no body limit');
  t.equal(resultOf(doc, 'IA-07').status, 'fail');
});

t.test('a relay that checks only that a bearer token is present: IA-02 fails with the wrong token accepted, IA-01 and IA-03 pass', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, knobs: { auth: 'any-bearer' } });
  t.equal(resultOf(doc, 'IA-01').status, 'pass');
  const ia02 = resultOf(doc, 'IA-02');
  t.equal(ia02.status, 'fail');
  t.match(ia02.detail, /wrong bearer credential → HTTP 202/);
  t.equal(requestEvidence(doc, 'wrong-credential').data.response.status, 202);
  t.equal(resultOf(doc, 'IA-03').status, 'pass');
});

t.test('JWT relay that ignores exp: IA-02 fails on the expired token signed with the configured key; with exp checked it passes', async (t) => {
  const secret = `jwt-key-${Math.random().toString(36).slice(2)}`;
  const auth = { type: 'jwt' as const, jwt_secret_file: 'secrets/jwt-key', jwt_claims: { aud: 'ingest' } };
  for (const checkExpiry of [false, true]) {
    const { relay } = await startRelay(t, { profile: 'hardened', pki, knobs: { auth: 'jwt', checkExpiry }, jwtSecret: secret });
    const { doc, json } = await auditIngest(t, relay.url, pki, { auth }, { 'jwt-key': secret });
    const ia02 = resultOf(doc, 'IA-02');
    const expired = requestEvidence(doc, 'expired-credential');
    t.same(expired.data.credential, { kind: 'jwt', variant: 'expired' });
    if (checkExpiry) {
      t.equal(ia02.status, 'pass', ia02.detail);
      t.equal(expired.data.response.status, 401);
    } else {
      t.equal(ia02.status, 'fail');
      t.match(ia02.detail, /expired jwt credential → HTTP 202/);
      t.same(ia02.evidence, [expired.id], 'only the accepted credential is cited');
    }
    t.equal(resultOf(doc, 'IA-03').status, 'pass', 'the freshly minted valid JWT is accepted');
    t.notOk(json.includes(secret), 'the JWT key appears nowhere in the run document');
    t.notOk(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(json), 'no minted JWT appears in the run document');
  }
});

t.test('the HS256 token the probe mints verifies with the key (RFC 7515 A.1 shape)', async (t) => {
  const jwt = hs256Jwt({ sub: 'x', exp: 1 }, 'k');
  const [h, p, s] = jwt.split('.');
  t.same(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
  t.same(JSON.parse(Buffer.from(p!, 'base64url').toString()), { sub: 'x', exp: 1 });
  const { createHmac } = await import('node:crypto');
  t.equal(s, createHmac('sha256', 'k').update(`${h}.${p}`).digest('base64url'));
});

t.test('a configured token the relay does not know: IA-03 fails (the path is broken) and IA-06 is error, not pass', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, configToken: 'stale-token-from-last-rotation' });
  const ia03 = resultOf(doc, 'IA-03');
  t.equal(ia03.status, 'fail');
  t.equal(ia03.severity, 'high');
  t.match(ia03.detail, /HTTP 401/);
  const ia06 = resultOf(doc, 'IA-06');
  t.equal(ia06.status, 'error', 'body handling was never reached: 401 is not a body verdict');
  t.match(ia06.detail, /IA-03/);
});

t.test('an HTTPS relay that also answers plain HTTP on the same port: IA-04 fails; HTTPS only passes', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, knobs: { plaintext: true } });
  const ia04 = resultOf(doc, 'IA-04');
  t.equal(ia04.status, 'fail');
  t.match(ia04.detail, /also answers plain HTTP on the same port: HTTP 401/);
  const plain = requestEvidence(doc, 'plaintext');
  t.match(plain.data.url, /^http:\/\//);
  t.same(plain.data.credential, { kind: 'none', variant: 'none' }, 'no credential is ever sent over plaintext');
  t.equal(resultOf(doc, 'IA-01').status, 'pass', 'the HTTPS side is unchanged');
});

t.test('legacy TLS and weak suites on the ingest port: IA-05 fails with the accepted versions as evidence', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, knobs: { tls: { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } } });
  const ia05 = resultOf(doc, 'IA-05');
  t.equal(ia05.status, 'fail');
  t.equal(ia05.severity, 'high');
  t.match(ia05.detail, /accepted below TLS 1\.2: TLSv1 /);
  t.match(ia05.detail, /weak suites accepted \(.*CBC/);
  t.ok(ia05.evidence.some((id) => id.includes('tls-scan')), 'cites the TLS scan');
});

t.test('an expired ingest certificate is one finding: BC-01 on the ingest resource; IA-05 refers to broker-cert and stays on protocols and suites', async (t) => {
  const expiredPki = await relayPki({ notAfterDays: -2 });
  const { doc, relay } = await relayRun(t, { profile: 'hardened', pki: expiredPki, checks: ['broker-cert', 'ingest-auth'] });
  t.same(
    doc.findings.map((f) => [f.control, f.resource, f.severity]),
    [['BC-01', `ingest ${relay.url}`, 'critical']],
    'exactly one finding, on the same resource id ingest-auth uses',
  );
  t.match(resultOf(doc, 'BC-01').detail, /expired/);
  const ia05 = resultOf(doc, 'IA-05');
  t.equal(ia05.status, 'pass', ia05.detail);
  t.match(ia05.detail, /served certificate judged by broker-cert \(BC-01\.\.BC-08 on ingest https:/);
  t.equal(ia05.resource, resultOf(doc, 'BC-01').resource, 'both checks name the endpoint the same way');
  t.notOk(doc.evidence.some((e) => e.kind === 'tls-certificate'), 'ingest-auth no longer reads the certificate');
});

t.test('a certificate without the name devices dial, and a foreign trust anchor: BC-03 and BC-04 fail on the ingest endpoint, IA-05 does not repeat them', async (t) => {
  const other = await relayPki();
  const { relay, token } = await startRelay(t, { profile: 'hardened', pki });
  // Devices dial other.example and pin a different CA.
  const { doc } = await auditIngest(t, relay.url, other, { servername: 'other.example' }, { 'ingest-token': token }, ['broker-cert', 'ingest-auth']);
  t.match(resultOf(doc, 'BC-03', 'ingest '), { status: 'fail', detail: /devices dial "other\.example"/ });
  t.match(resultOf(doc, 'BC-04', 'ingest '), { status: 'fail', detail: /does not validate to ingest\.ca_file/ });
  t.equal(resultOf(doc, 'IA-05').status, 'pass');
  t.same(doc.findings.map((f) => f.control).sort(), ['BC-03', 'BC-04']);
});

t.test('expiry tiers of the ingest certificate come from broker.expiry_warn_days, the one setting', async (t) => {
  const soon = await relayPki({ notAfterDays: 45 });
  const { relay } = await startRelay(t, { profile: 'hardened', pki: soon });
  const dir = tempDir(t, 'pathaudit-tiers-');
  writeFileSync(join(dir, 'ingest-ca.pem'), soon.ca.certPem);
  const judge = async (tiers?: { high: number; medium: number }) => {
    const file = join(dir, 'pathaudit.yaml');
    const broker = { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: await freePort(), tls: false }], ...(tiers ? { expiry_warn_days: tiers } : {}) };
    writeFileSync(file, stringify({ gateway: { id: 'tiers' }, broker, ingest: { url: relay.url, servername: 'gateway.local', ca_file: 'ingest-ca.pem' } }));
    return resultOf(await runChecks(load(file), ['broker-cert']), 'BC-02', 'ingest ');
  };
  t.match(await judge(), { status: 'fail', severity: 'medium' }, '45 days left: medium under the default 30/60');
  t.match(await judge({ high: 50, medium: 90 }), { status: 'fail', severity: 'high' }, 'within broker.expiry_warn_days.high 50: high');
  t.match(await judge({ high: 10, medium: 20 }), { status: 'pass' }, 'beyond 20 days: pass');
});

t.test('no body limit and a stack trace on bad JSON: IA-06 fails on both bodies; 400/413 pass', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, knobs: { bodyLimit: null, leakErrors: true } });
  const ia06 = resultOf(doc, 'IA-06');
  t.equal(ia06.status, 'fail');
  t.match(ia06.detail, /malformed-json \(\d+ bytes\) → HTTP 500/);
  t.match(ia06.detail, /oversized-json \(66560 bytes\) → HTTP 202/);
  const good = await relayRun(t, { profile: 'hardened', pki });
  t.match(resultOf(good.doc, 'IA-06').detail, /HTTP 400.*HTTP 413/);
});

t.test('version banners and a stack trace: IA-07 fails naming the header and the frame; without them it passes', async (t) => {
  const { doc } = await relayRun(t, { profile: 'hardened', pki, knobs: { banners: true, leakErrors: true } });
  const ia07 = resultOf(doc, 'IA-07');
  t.equal(ia07.status, 'fail');
  t.equal(ia07.severity, 'low');
  t.match(ia07.detail, /server: lab-relay\/0\.9\.1/);
  t.match(ia07.detail, /x-powered-by: fastify/);
  t.match(ia07.detail, /node stack trace in the HTTP 500 body/);
});

t.test('an ingest endpoint nobody listens on: every IA control is error with the TCP reason, none pass', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const { doc } = await auditIngest(t, `https://127.0.0.1:${port}/v1/ingest`, pki, {}, { 'ingest-token': 'unused-token' });
  const ia = doc.results.filter((r) => r.check === 'ingest-auth');
  t.equal(ia.length, 7);
  for (const r of ia) {
    t.equal(r.status, 'error', `${r.control} is error`);
    t.match(r.detail, /ECONNREFUSED/);
  }
});

t.test('without an auth section: IA-02/IA-03 are skipped with the reason, IA-01 still judged', async (t) => {
  const { relay } = await startRelay(t, { profile: 'hardened', pki, knobs: { auth: 'none' } });
  const { doc } = await auditIngest(t, relay.url, pki, { auth: null });
  t.equal(resultOf(doc, 'IA-01').status, 'fail', 'a relay without auth accepts the unauthenticated POST');
  for (const id of ['IA-02', 'IA-03']) {
    t.equal(resultOf(doc, id).status, 'skipped');
    t.match(resultOf(doc, id).detail, /no credential configured/);
  }
  t.equal(resultOf(doc, 'IA-06').status, 'pass', 'bodies judged without credentials: 400 and 413');
});

t.test('probe_path sends the matrix to another path while the resource keeps the configured URL', async (t) => {
  const { relay, token } = await startRelay(t, { profile: 'hardened', pki });
  const { doc } = await auditIngest(t, relay.url.replace('/v1/ingest', '/v1/elsewhere'), pki, { probe_path: '/v1/ingest' }, { 'ingest-token': token });
  t.equal(resultOf(doc, 'IA-03').status, 'pass', 'the probe path is the one that accepts');
  t.match(resultOf(doc, 'IA-03').resource, /\/v1\/elsewhere$/);
  t.match(requestEvidence(doc, 'valid-credential').data.url, /\/v1\/ingest$/);
});

t.test('basic-auth relay: malformed and wrong passwords get 401, the configured account 202; the password stays out of the run document', async (t) => {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const relay = await startLabRelay({ knobs: { ...RELAY_PROFILES.hardened, auth: 'basic' }, server: pki.server, basic: { username: 'gw-device', password } });
  t.teardown(() => relay.close());
  const { doc, json } = await auditIngest(t, relay.url, pki, { auth: { type: 'basic', username: 'gw-device', password_file: 'secrets/basic' } }, { basic: password });
  for (const id of ['IA-01', 'IA-02', 'IA-03']) t.equal(resultOf(doc, id).status, 'pass', `${id}: ${resultOf(doc, id).detail}`);
  t.equal(requestEvidence(doc, 'wrong-credential').data.response.status, 401);
  t.equal(requestEvidence(doc, 'valid-credential').data.credential.kind, 'basic');
  t.notOk(json.includes(password), 'password not in the run document');
  t.notOk(json.includes(Buffer.from(`gw-device:${password}`).toString('base64')), 'nor the Authorization value');
});

t.test('client-certificate relay: no certificate gets 401, a certificate from another CA 401, the configured device certificate 202', async (t) => {
  const { doc, json, device } = await auditMtlsRelay(t, { auth: 'client-cert' });
  t.equal(resultOf(doc, 'IA-01').status, 'pass', resultOf(doc, 'IA-01').detail);
  t.equal(requestEvidence(doc, 'no-credentials').data.response.status, 401);
  t.equal(resultOf(doc, 'IA-03').status, 'pass', resultOf(doc, 'IA-03').detail);
  t.same(requestEvidence(doc, 'valid-credential').data.credential, { kind: 'client-cert', variant: 'valid', certificate: 'CN=pathaudit-probe issued by CN=pathaudit test device CA' });
  t.equal(resultOf(doc, 'IA-02').status, 'pass', resultOf(doc, 'IA-02').detail);
  t.equal(requestEvidence(doc, 'wrong-credential').data.response.status, 401, 'the certificate from another CA is refused like any wrong credential');
  t.match(resultOf(doc, 'IA-02').detail, /expired-credential not applicable \(client certificates: an expired one would need the key of the configured CA/);
  t.equal(resultOf(doc, 'IA-06').status, 'pass', 'bodies judged with the certificate presented');
  const keyBody = device.keyPem.split('\n').slice(1, 3).join('');
  t.notOk(json.includes(keyBody), 'the private key is not in the run document');
});

t.test('a relay that refuses TLS without a client certificate: broker-cert presents the configured one to read the served certificate', async (t) => {
  const deviceCa = await createCa('CN=pathaudit test device CA');
  const device = await deviceCert(deviceCa, 'pathaudit-probe');
  // What nginx does with `ssl_verify_client on` on TLS 1.2: no client certificate, no handshake (TLS 1.3 would
  // finish the handshake first and refuse afterwards, which hides the problem).
  const server = tls.createServer({ cert: pki.server.certPem, key: pki.server.keyPem, requestCert: true, rejectUnauthorized: true, ca: deviceCa.certPem, maxVersion: 'TLSv1.2' }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/ingest`;
  const { doc, json } = await auditIngest(
    t,
    url,
    pki,
    { auth: { type: 'client-cert', cert_file: 'secrets/device.crt', key_file: 'secrets/device.key' } },
    { 'device.crt': device.certPem, 'device.key': device.keyPem },
    ['broker-cert'],
  );
  t.match(resultOf(doc, 'BC-01', 'ingest '), { status: 'pass' }, resultOf(doc, 'BC-01', 'ingest ').detail);
  t.match(resultOf(doc, 'BC-04', 'ingest '), { status: 'pass' }, 'OpenSSL verified the chain with the client certificate presented');
  t.notOk(json.includes(device.keyPem.split('\n').slice(1, 3).join('')), 'the private key is not in the run document');
  const without = await auditIngest(t, url, pki, { auth: null }, {}, ['broker-cert']);
  t.match(resultOf(without.doc, 'BC-01', 'ingest '), { status: 'error', detail: /no TLS handshake/ }, 'without it the handshake is refused: error, never pass');
});
