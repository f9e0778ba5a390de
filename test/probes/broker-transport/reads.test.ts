// BT-06 judges what the probe identity receives against what it is meant to
// read (telemetry.topics + broker.auth.allowed_topics), passes only on
// positive evidence, and the probe's password never crosses plaintext.
import t from 'tap';
import type { LabBroker } from '../../../agent/lab/broker.js';
import { brokerLab, PROBE } from '../../helpers/broker-lab.js';
import { evidenceOf, load, resultOf, runChecks } from '../../helpers/lab.js';

const TELEMETRY = { telemetry: { topics: ['devices/+/telemetry'] } };

function publish(broker: LabBroker, topic: string, retain: boolean): Promise<void> {
  return new Promise((r) => broker.broker.publish({ cmd: 'publish', topic, payload: Buffer.from('{"seq":1}'), qos: 0, retain, dup: false } as never, () => r()));
}

/** Live telemetry on loopback for the test's duration: what a device fleet does while the audit runs. */
function telemetryFlows(t: Parameters<typeof brokerLab>[0], broker: LabBroker): void {
  const timer = setInterval(() => void publish(broker, 'devices/d2/telemetry', false), 20);
  t.teardown(() => clearInterval(timer));
}

const passwordAuth = (lab: Awaited<ReturnType<typeof brokerLab>>, more: Record<string, unknown> = {}) => ({ auth: { username: PROBE, password_file: lab.files.password, ...more } });

t.test('an ACL confining the probe to telemetry (grant all, filter at delivery): BT-06 does not fail while telemetry flows; skipped with what could not be seen', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, readAcl: ['devices/+/telemetry'] });
  await publish(lab.broker, 'devices/d1/telemetry', true);
  telemetryFlows(t, lab.broker);
  const doc = await runChecks(load(lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  const bt06 = resultOf(doc, 'BT-06');
  t.equal(bt06.status, 'skipped');
  t.match(bt06.detail, /# granted \(SUBACK 0x0\) but only topics within the scope were delivered in the window \(devices\/d1\/telemetry \(1 message, 1 retained\), devices\/d2\/telemetry \(\d+ messages?\)\)/);
  t.match(bt06.detail, /whether other topics are readable cannot be decided/);
  t.match(bt06.detail, /\$SYS\/# granted \(SUBACK 0x0\) but nothing was delivered in the window, and no other session showed the broker publishing \$SYS meanwhile/);
  const reads = (evidenceOf(doc, bt06.evidence[0]!).data as { reads: { delivered: Array<{ topic: string }>; windowMs: number }; scope: string[] }).reads;
  t.ok(reads.delivered.every((d) => d.topic.startsWith('devices/')), 'the evidence lists the topics delivered, all telemetry');
  t.equal(reads.windowMs, 500, 'broker.read_window_s sets the window');
  t.notOk(reads.delivered.some((d) => d.topic === 'gateway/status'), 'the retained status topic was filtered for the probe');
});

t.test('the same unchanged broker twice: the same verdict and the same topics named', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, readAcl: ['devices/+/telemetry', 'other/#'] });
  await publish(lab.broker, 'other/data', true);
  telemetryFlows(t, lab.broker);
  const file = lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY);
  const runs = [await runChecks(load(file), ['broker-transport']), await runChecks(load(file), ['broker-transport'])];
  const verdicts = runs.map((d) => resultOf(d, 'BT-06'));
  t.same(verdicts.map((v) => v.status), ['fail', 'fail']);
  for (const v of verdicts) t.match(v.detail, /received messages outside what it is meant to read: other\/data \(1 message, 1 retained\); its scope is devices\/\+\/telemetry/);
});

t.test('an ACL that also lets the probe read another topic carrying traffic: BT-06 fails and names it; allowed_topics widens the scope', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, readAcl: ['devices/+/telemetry', 'gateway/#'] });
  telemetryFlows(t, lab.broker);
  let doc = await runChecks(load(lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  t.match(resultOf(doc, 'BT-06'), { status: 'fail', detail: /outside what it is meant to read: gateway\/status \(1 message, 1 retained\)/ });
  t.notMatch(resultOf(doc, 'BT-06').detail, /devices\/d2\/telemetry/, 'telemetry is not named: it is in scope');

  doc = await runChecks(load(lab.config({ ...passwordAuth(lab, { allowed_topics: ['gateway/status'] }), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  t.equal(resultOf(doc, 'BT-06').status, 'skipped', 'gateway/status is meant to be read: not a failure');
  t.match(resultOf(doc, 'BT-06').detail, /its scope|only topics within the scope/);
});

t.test('$SYS delivered to the probe fails BT-06 and is named', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, readAcl: ['devices/+/telemetry', '$SYS/#'] });
  const doc = await runChecks(load(lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  t.match(resultOf(doc, 'BT-06'), { status: 'fail', detail: /outside what it is meant to read: .*\$SYS\/broker\/version \(\d+ messages?, \d+ retained\)/ });
});

t.test('$SYS granted but filtered, proven by an anonymous session that sees it: with # refused, BT-06 passes', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, refuseSubscribe: ['#'], readAcl: ['devices/+/telemetry'], anonymous: true });
  const doc = await runChecks(load(lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  const bt06 = resultOf(doc, 'BT-06');
  t.equal(bt06.status, 'pass');
  t.match(bt06.detail, /# refused \(SUBACK 0x80\), \$SYS\/# granted but filtered: an anonymous session received 1 retained \$SYS topic\(s\) \(e\.g\. \$SYS\/broker\/version\) that the probe's subscription never delivered/);
  t.equal(bt06.evidence.length, 2, 'the probe session and the witness session');
  t.match(resultOf(doc, 'BT-07'), { status: 'skipped', detail: /^judged by BT-02: the broker checks no credentials/ });
});

t.test('the same broker without an anonymous witness: BT-06 skipped, not pass', async (t) => {
  const lab = await brokerLab(t, { denyWildcard: false, refuseSubscribe: ['#'], readAcl: ['devices/+/telemetry'] });
  const doc = await runChecks(load(lab.config({ ...passwordAuth(lab), read_window_s: 0.5 }, TELEMETRY)), ['broker-transport']);
  t.match(resultOf(doc, 'BT-06'), { status: 'skipped', detail: /\$SYS\/# granted .* no other session showed the broker publishing \$SYS meanwhile; # refused \(SUBACK 0x80\)/ });
});

t.test('a plaintext-only broker: the probe sends no credentials of its own; BT-06 skipped; plaintext_ok lets it log in', async (t) => {
  const lab = await brokerLab(t, { plaintext: true, tls: false, websocket: false, anonymous: false, denyWildcard: false });
  let doc = await runChecks(load(lab.config(passwordAuth(lab))), ['broker-transport']);
  t.match(resultOf(doc, 'BT-06'), {
    status: 'skipped',
    detail: /^not judged on mqtt 127\.0\.0\.1:\d+, the plaintext listener the probe would use \(no reachable TLS listener\): the probe identity's password goes only over TLS \(set broker\.auth\.plaintext_ok: true/,
  });
  t.notOk(lab.broker.logins.some((l) => l.username === PROBE), 'no CONNECT as the probe identity reached the broker');
  t.ok(lab.broker.logins.some((l) => l.username === 'admin'), 'the public default credentials of BT-07 were tried');
  t.equal(resultOf(doc, 'BT-07').status, 'pass', 'BT-07 judged over plaintext');

  doc = await runChecks(load(lab.config(passwordAuth(lab, { plaintext_ok: true }))), ['broker-transport']);
  t.ok(lab.broker.logins.some((l) => l.username === PROBE && !l.tls), 'with plaintext_ok the probe logs in over plaintext');
  t.not(resultOf(doc, 'BT-06').status, 'skipped', 'and BT-06 is judged');
});

t.test('plaintext and TLS listeners: the probe identity logs in only over TLS', async (t) => {
  const lab = await brokerLab(t, { plaintext: true, anonymous: false });
  await runChecks(load(lab.config(passwordAuth(lab))), ['broker-transport']);
  const probeLogins = lab.broker.logins.filter((l) => l.username === PROBE);
  t.ok(probeLogins.length >= 1, 'the probe logged in');
  t.ok(probeLogins.every((l) => l.tls), 'every probe login came over TLS');
});

t.test('BT-06 stops listening once its verdict is decided, whatever the window: both SUBSCRIBEs refused, or a topic outside the scope delivered', async (t) => {
  type Reads = { reads: { endedEarly: string | null; listenedMs: number; windowMs: number } };
  // A window far longer than the test may take: only an early end lets it finish in time.
  const long = { read_window_s: 30 };
  const refused = await brokerLab(t, { denyWildcard: true });
  let doc = await runChecks(load(refused.config({ ...passwordAuth(refused), ...long }, TELEMETRY)), ['broker-transport']);
  let bt06 = resultOf(doc, 'BT-06');
  t.equal(bt06.status, 'pass', 'both refused: positive evidence, decided at the SUBACKs');
  let reads = (evidenceOf(doc, bt06.evidence[0]!).data as Reads).reads;
  t.equal(reads.endedEarly, 'no subscription granted');
  t.ok(reads.listenedMs < reads.windowMs, `listened ${reads.listenedMs} ms of a ${reads.windowMs} ms window`);

  const leaky = await brokerLab(t, { denyWildcard: false, readAcl: ['devices/+/telemetry', 'other/#'] });
  await publish(leaky.broker, 'other/data', true);
  doc = await runChecks(load(leaky.config({ ...passwordAuth(leaky), ...long }, TELEMETRY)), ['broker-transport']);
  bt06 = resultOf(doc, 'BT-06');
  t.match(bt06, { status: 'fail', detail: /other\/data/ });
  reads = (evidenceOf(doc, bt06.evidence[0]!).data as Reads).reads;
  t.equal(reads.endedEarly, 'a topic outside the scope was delivered');
  t.ok(reads.listenedMs < reads.windowMs, `listened ${reads.listenedMs} ms of a ${reads.windowMs} ms window`);
});
