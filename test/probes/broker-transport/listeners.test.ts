// broker-transport against real aedes listeners on loopback: for every BT
// control one lab setup where it fails and one where it passes.
import t from 'tap';
import { labGateway, load, resultOf, runChecks, evidenceOf } from '../../helpers/lab.js';

t.test('weak profile: every BT control that the weak gateway breaks fails, with evidence', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  t.equal(doc.run.checks[0]!.outcome, 'completed');

  const bt01 = resultOf(doc, 'BT-01', 'mqtt ');
  t.equal(bt01.status, 'fail', 'plaintext listener reachable');
  t.equal(bt01.severity, 'low', 'bound to loopback only: severity low');
  t.match(bt01.detail, /CONNACK 0/);

  const bt02 = resultOf(doc, 'BT-02', 'mqtt ');
  t.equal(bt02.status, 'fail', 'anonymous CONNECT accepted on the plaintext listener yields BT-02 fail');
  const connack = evidenceOf(doc, bt02.evidence[0]!);
  t.equal(connack.kind, 'mqtt-connack');
  const attempts = (connack.data as { attempts: Array<{ outcome: string; code: number; protocol: string }> }).attempts;
  t.match(attempts.at(-1), { outcome: 'connack', code: 0, protocol: '3.1.1', accepted: true }, 'CONNACK evidence: code 0 over 3.1.1 (aedes speaks only 3.1.1)');
  t.equal(resultOf(doc, 'BT-02', 'mqtts ').status, 'fail', 'anonymous accepted over TLS too');
  t.equal(resultOf(doc, 'BT-02', 'ws ').status, 'fail', 'anonymous accepted over WebSocket too');

  const bt03 = resultOf(doc, 'BT-03', 'mqtts ');
  t.equal(bt03.status, 'fail');
  t.match(bt03.detail, /TLSv1 \(\d+ suites?, e\.g\. TLS_/);
  t.match(bt03.detail, /TLSv1\.1 \(\d+ suites?, e\.g\. TLS_/);
  const scan = evidenceOf(doc, bt03.evidence[0]!);
  t.equal(scan.kind, 'tls-scan');
  const versions = (scan.data as { versions: Array<{ version: string; status: string }> }).versions;
  t.same(
    versions.map((v) => [v.version, v.status]),
    [
      ['SSLv3', 'refused'],
      ['TLSv1', 'accepted'],
      ['TLSv1.1', 'accepted'],
      ['TLSv1.2', 'accepted'],
      ['TLSv1.3', 'accepted'],
    ],
    'ServerHello evidence for each version',
  );

  const bt04 = resultOf(doc, 'BT-04', 'mqtts ');
  t.equal(bt04.status, 'fail');
  t.match(bt04.detail, /CBC/);

  t.equal(resultOf(doc, 'BT-05').status, 'pass', 'a TLS listener exists');
  const bt06 = resultOf(doc, 'BT-06');
  t.equal(bt06.status, 'fail', 'the probe identity received a topic outside its scope');
  t.match(bt06.detail, /gateway\/status \(1 message, 1 retained\)/, 'the retained status topic is named');
  t.match(bt06.detail, /\$SYS\/broker\/version/, '$SYS delivered too, and named');
  t.match(bt06.detail, /its scope is empty/);
  const bt07 = resultOf(doc, 'BT-07');
  t.equal(bt07.status, 'skipped', 'anonymous CONNECT is accepted: a default credential would only repeat BT-02');
  t.match(bt07.detail, /^judged by BT-02: the broker checks no credentials/);
  const bt08 = resultOf(doc, 'BT-08', 'ws ');
  t.equal(bt08.status, 'fail', 'plain WebSocket listener');
  t.match(bt08.detail, /101 Switching Protocols/);
  t.equal(doc.summary.posture, 'exposed');
});

t.test('hardened profile: every BT control passes; on the closed ports BT-01/BT-02 pass and BT-08 is skipped (no listener)', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  await gw.reconfigure('hardened');
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  const closedPort = (r: { resource: string }) => r.resource.startsWith('ws ') || r.resource.startsWith('mqtt ');
  const expectedSkip = (r: (typeof doc.results)[number]) =>
    r.status === 'skipped' && ((r.control === 'BT-01' && r.resource.startsWith('ws ')) || (r.control === 'BT-08' && closedPort(r) && /^no listener: nothing to judge/.test(r.detail)));
  const bad = doc.results.filter((r) => r.status !== 'pass' && !expectedSkip(r));
  t.same(bad, [], 'no BT result other than pass (BT-01 on the WebSocket listener is judged by BT-08; BT-08 on a closed port has nothing to judge)');
  t.match(resultOf(doc, 'BT-01', 'mqtt '), { status: 'pass', detail: /no plaintext exposure left/ });
  t.match(resultOf(doc, 'BT-02', 'mqtt '), { status: 'pass', detail: /no anonymous access here/ });
  t.match(resultOf(doc, 'BT-02', 'mqtts ').detail, /not authorized|bad user name/);
  t.match(resultOf(doc, 'BT-03', 'mqtts ').detail, /SSLv3 refused.*TLSv1 refused.*TLSv1\.1 refused/);
  t.match(resultOf(doc, 'BT-06').detail, /# refused \(SUBACK 0x80\), \$SYS\/# refused \(SUBACK 0x80\)/);
  t.match(resultOf(doc, 'BT-07').detail, /all 3 default credentials refused/);
  t.equal(doc.summary.posture, 'hardened');
  t.equal(doc.findings.length, 0);
});

t.test('BT-01 is high when the plaintext listener is bound beyond loopback', async (t) => {
  // Binds the wildcard address (listening only); the probe still dials 127.0.0.1.
  const gw = await labGateway(t, { profile: 'weak', broker: { bindHost: '0.0.0.0', websocket: false, tls: false } });
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  const bt01 = resultOf(doc, 'BT-01', 'mqtt ');
  t.equal(bt01.status, 'fail');
  t.equal(bt01.severity, 'high');
  t.match(bt01.detail, /bound to 0\.0\.0\.0/);
  t.equal(resultOf(doc, 'BT-05').status, 'fail', 'no TLS listener declared: BT-05 fails');
  t.equal(resultOf(doc, 'BT-03').status, 'skipped', 'BT-03 skipped without a TLS listener');
});

t.test('single knobs: BT-04 fails alone when only weak suites are added; BT-06 passes alone when ACLs deny wildcards', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened', broker: { tls: { minVersion: 'TLSv1.2' } } });
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  t.equal(resultOf(doc, 'BT-03', 'mqtts ').status, 'pass');
  t.equal(resultOf(doc, 'BT-04', 'mqtts ').status, 'fail', "Node's default server suites include CBC and non-FS suites");
  t.equal(resultOf(doc, 'BT-06').status, 'pass');
  t.same(
    doc.findings.map((f) => f.control),
    ['BT-04'],
    'exactly one finding',
  );
});

t.test('BT-07 is skipped when disabled, and BT-06 skipped without a probe identity when anonymous is refused', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const cfg = { ...gw.config, broker: { ...gw.config.broker!, default_credentials: false as const, auth: undefined } };
  const { writeFileSync } = await import('node:fs');
  const { stringify } = await import('yaml');
  writeFileSync(gw.configFile, stringify(JSON.parse(JSON.stringify(cfg))));
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  t.equal(resultOf(doc, 'BT-07').status, 'skipped');
  t.match(resultOf(doc, 'BT-07').detail, /default_credentials is false/);
  t.equal(resultOf(doc, 'BT-06').status, 'skipped');
  t.match(resultOf(doc, 'BT-06').detail, /no probe identity configured/);
});

t.test('BT-07 fails when anonymous CONNECT is refused but a default credential is accepted', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened', broker: { acceptAnyPassword: true } });
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  t.equal(resultOf(doc, 'BT-02', 'mqtts ').status, 'pass', 'anonymous refused');
  const bt07 = resultOf(doc, 'BT-07');
  t.equal(bt07.status, 'fail');
  t.match(bt07.detail, /default credential accepted for user\(s\) "admin" \(built-in list entry 1\)/);
});
