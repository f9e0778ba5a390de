// Listeners that do not behave: a port that accepts TCP and never answers, a
// closed port, and a check that overruns its budget. None may yield `pass`
// for what could not be observed, and every run ends within its budgets.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { freePort, load, resultOf, runChecks, tempDir } from '../../helpers/lab.js';

async function silentServer(t: { teardown(fn: () => void): void }): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s); // accept, read, never answer
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}


function writeConfig(dir: string, config: object): string {
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

t.test('a listener that accepts TCP and never answers ends as error within the step budget', async (t) => {
  const port = await silentServer(t);
  const dir = tempDir(t);
  const file = writeConfig(dir, {
    broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port, tls: false }, { name: 'mqtts', port, tls: true }] },
    runner: { step_timeout_ms: 400, check_timeout_s: 8 },
  });
  const started = Date.now();
  const doc = await runChecks(load(file), ['broker-transport']);
  const elapsed = Date.now() - started;
  t.ok(elapsed < 8000, `finished within the check budget (${elapsed} ms)`);
  for (const control of ['BT-01', 'BT-02', 'BT-08']) t.equal(resultOf(doc, control, 'mqtt ').status, 'error', `${control} on the silent plaintext listener is error`);
  for (const control of ['BT-01', 'BT-02', 'BT-03', 'BT-04', 'BT-08'])
    t.equal(resultOf(doc, control, 'mqtts ').status, 'error', `${control} on the silent TLS listener is error`);
  t.match(resultOf(doc, 'BT-02', 'mqtt ').detail, /no CONNACK within 400 ms/);
  t.match(resultOf(doc, 'BT-03', 'mqtts ').detail, /no ServerHello within 400 ms/);
  t.equal(resultOf(doc, 'BT-05').status, 'error', 'BT-05 cannot be observed either');
  t.notOk(doc.results.some((r) => r.status === 'pass'), 'nothing passes that could not be observed');
  t.equal(doc.summary.posture, 'degraded');
});

t.test('the only declared listener closed: the broker is unreachable, every control is error, none passes', async (t) => {
  const port = await freePort();
  const dir = tempDir(t);
  const file = writeConfig(dir, { broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port, tls: false }] }, runner: { step_timeout_ms: 500 } });
  const doc = await runChecks(load(file), ['broker-transport']);
  const bt01 = resultOf(doc, 'BT-01', 'mqtt ');
  t.equal(bt01.status, 'error', 'a refused port is no proof of hardening when nothing of the broker answers');
  t.match(bt01.detail, /^broker unreachable: no declared listener accepts a TCP connection \(mqtt 127\.0\.0\.1:\d+: ECONNREFUSED\)/);
  t.equal(bt01.evidence.length, 1, 'the refused connect is the evidence');
  t.same(new Set(doc.results.map((r) => r.control)).size, 8, 'all eight controls reported');
  for (const r of doc.results) t.match(r, { status: 'error', detail: /^broker unreachable/ }, `${r.control} ${r.resource}`);
  t.equal(resultOf(doc, 'BT-06').resource, `mqtt 127.0.0.1:${port}`, 'BT-06 on the listener it would have used, as in a run that reached the broker');
});

t.test('a check that overruns its budget yields error results for every control and the run goes on', async (t) => {
  const port = await silentServer(t);
  const dir = tempDir(t);
  const file = writeConfig(dir, {
    broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port, tls: true }] },
    runner: { step_timeout_ms: 5000, check_timeout_s: 0.5 },
  });
  const started = Date.now();
  const doc = await runChecks(load(file), ['broker-transport']);
  t.ok(Date.now() - started < 3000, 'run ended soon after the 0.5 s budget');
  t.equal(doc.run.checks[0]!.outcome, 'timeout');
  t.match(doc.run.checks[0]!.reason, /0\.5 s time budget/);
  t.equal(doc.run.status, 'failed', 'every check of the run failed: the run failed');
  for (const r of doc.results) t.equal(r.status, 'error', `${r.control} is error`);
  t.equal(new Set(doc.results.map((r) => r.control)).size, 8, 'all eight controls reported');
});
