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
  t.equal(resultOf(doc, 'BT-06').status, 'fail', '# granted to the probe identity');
  t.equal(resultOf(doc, 'BT-07').status, 'fail', 'default credentials accepted');
  const bt08 = resultOf(doc, 'BT-08', 'ws ');
  t.equal(bt08.status, 'fail', 'plain WebSocket listener');
  t.match(bt08.detail, /101 Switching Protocols/);
  t.equal(doc.summary.posture, 'exposed');
});

t.test('hardened profile: every BT control passes (BT-01/BT-02/BT-08 on closed ports pass by ECONNREFUSED)', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  await gw.reconfigure('hardened');
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  const bad = doc.results.filter((r) => r.status !== 'pass' && !(r.control === 'BT-01' && r.status === 'skipped' && r.resource.startsWith('ws ')));
  t.same(bad, [], 'no BT result other than pass (BT-01 on the WebSocket listener is skipped: judged by BT-08)');
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
