// Hostile targets on loopback, through the real checks (executeRun, as the CLI
// and the daemon run them): a port that accepts and never answers (broker
// listener and ingest URL), a slow-drip TLS server, a broker that hangs up
// after CONNECT, an HTTP server answering a 10 MiB header block, one with an
// endless body, and a TLS server presenting a certificate with absurd fields.
//
// Each audit must end within its check budget, say `error` with a reason for
// what it could not observe (never `pass`), and keep memory bounded.
//
// The memory bound: peak RSS during the audit may grow at most 8 MiB over the
// RSS after a forced GC. The hostile payloads are 10 MiB (headers) and
// unbounded (the endless body would stream gigabytes over loopback within the
// budget), so a probe that buffered either would blow through 8 MiB; the
// probes' own caps are 16 KiB of headers and 64 KiB of body per request. The
// margin covers what a run legitimately allocates (TLS contexts, evidence,
// JIT) — measured at 0–2.3 MiB on this machine. The flood servers run in child
// processes (hostile-child.ts) so that only the auditor's memory is measured.
//
// Found by this suite: result details quoted peer-controlled data unbounded
// (a 10 KiB subject, 500 SANs); the runner now cuts details to ~1000 chars
// (agent/runner/execute.ts, MAX_DETAIL_CHARS), the evidence keeps the full data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import type { RunDocument } from '../../agent/runner/document.js';
import { CHECK_INFOS } from '../../probes/catalogue.js';
import { createCa, issue } from '../../agent/lab/certs.js';
import { load, runChecks, tempDir } from '../helpers/lab.js';
import { remoteHostile, tlsServer } from './hostile-servers.js';
import { measure } from './memory.js';

// The checks' code loads on a run's first use of it (CheckInfo.load): load it
// all before measuring, so module loading is not counted as the audit's growth.
await Promise.all(CHECK_INFOS.map((c) => c.load()));

const STEP_MS = 800;
const BUDGET_S = 6;
const MEMORY_BOUND_MIB = 8;

function configFile(t: Test, config: Record<string, unknown>): string {
  const dir = tempDir(t, 'pathaudit-hostile-');
  mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
  writeFileSync(join(dir, 'secrets', 'ingest-token'), 'hostile-test-token-0000\n', { mode: 0o600 });
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ gateway: { id: 'hostile-lab' }, ...config, runner: { step_timeout_ms: STEP_MS, check_timeout_s: BUDGET_S } }));
  return file;
}

const ingest = (url: string) => ({ ingest: { url, auth: { type: 'bearer', token_file: 'secrets/ingest-token' } } });

async function audit(t: Test, config: Record<string, unknown>, checks: string[]): Promise<RunDocument> {
  const file = configFile(t, config);
  const { value: doc, elapsedMs, rssGrowthMiB } = await measure(() => runChecks(load(file), checks));
  t.ok(elapsedMs < BUDGET_S * 1000 + 1000, `the run ended within the ${BUDGET_S} s check budget (${elapsedMs} ms)`);
  t.ok(rssGrowthMiB < MEMORY_BOUND_MIB, `peak RSS grew ${rssGrowthMiB.toFixed(1)} MiB (bound ${MEMORY_BOUND_MIB} MiB)`);
  return doc;
}

function results(doc: RunDocument, controls: string[], resourcePrefix: string) {
  return doc.results.filter((r) => controls.includes(r.control) && r.resource.startsWith(resourcePrefix));
}

function assertErrors(t: Test, doc: RunDocument, controls: string[], resourcePrefix: string, reason: RegExp): void {
  const rs = results(doc, controls, resourcePrefix);
  t.equal(new Set(rs.map((r) => r.control)).size, controls.length, `every one of ${controls.join(', ')} reported on "${resourcePrefix}"`);
  for (const r of rs) {
    t.equal(r.status, 'error', `${r.control} on ${r.resource} is error`);
    t.match(r.detail, reason, `${r.control} says why: ${r.detail}`);
  }
}

t.test('a broker listener that accepts and never answers: transport and certificate controls are error within the budget', async (t) => {
  const hole = await remoteHostile(t, 'blackHole');
  const doc = await audit(t, { broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: hole.port, tls: false }, { name: 'mqtts', port: hole.port, tls: true }] } }, ['broker-transport', 'broker-cert']);
  t.ok((await hole.stats()).accepted > 0, 'the probes did connect');
  assertErrors(t, doc, ['BT-02'], 'mqtt ', /no CONNACK within/);
  assertErrors(t, doc, ['BT-06', 'BT-07'], '', /CONNACK|session|reachable/);
  assertErrors(t, doc, ['BT-03', 'BT-04'], 'mqtts ', /timeout|within|handshake/i);
  assertErrors(t, doc, ['BC-01', 'BC-05', 'BC-06'], 'mqtts ', /timeout|within|handshake|no certificate/i);
  t.notOk(doc.results.some((r) => r.status === 'pass' && r.check === 'broker-cert'), 'no certificate control passes without a certificate');
  t.equal(doc.summary.posture, 'degraded');
});

t.test('an ingest URL that accepts and never answers: every request-based control is error, none passes', async (t) => {
  const hole = await remoteHostile(t, 'blackHole');
  const doc = await audit(t, ingest(`http://127.0.0.1:${hole.port}/v1/ingest`), ['ingest-auth']);
  t.ok((await hole.stats()).accepted > 0, 'the probes did connect');
  assertErrors(t, doc, ['IA-01', 'IA-02', 'IA-03', 'IA-06', 'IA-07'], 'ingest ', /no HTTP answer|no complete HTTP response|no request got an HTTP answer/);
  t.notOk(doc.results.some((r) => r.status === 'pass' && r.control !== 'IA-05'), 'nothing passes that depends on an answer');
});

t.test('a slow-drip TLS listener (a byte every 500 ms, forever): TLS controls are error, the drip does not hold the run', async (t) => {
  const dripper = await remoteHostile(t, 'slowDripTls');
  const doc = await audit(t, { broker: { host: '127.0.0.1', servername: 'gateway.local', listeners: [{ name: 'mqtts', port: dripper.port, tls: true }] } }, ['broker-transport', 'broker-cert']);
  const drip = await dripper.stats();
  t.ok(drip.accepted > 0, 'the probes did connect');
  assertErrors(t, doc, ['BT-02', 'BT-03', 'BT-04'], 'mqtts ', /timeout|within|handshake|TLS/i);
  assertErrors(t, doc, ['BT-07'], '', /no CONNACK/);
  assertErrors(t, doc, ['BC-01', 'BC-02', 'BC-03', 'BC-05', 'BC-06', 'BC-07'], 'mqtts ', /timeout|within|handshake|TLS|certificate/i);
  t.ok(drip.sent < 200, `the drip sent only ${drip.sent} bytes before every probe gave up`);
});

t.test('a broker that hangs up right after CONNECT: identity controls are error with the reason, not pass', async (t) => {
  const rude = await remoteHostile(t, 'closeAfterConnect');
  const doc = await audit(t, { broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: rude.port, tls: false }] } }, ['broker-transport']);
  const { connects } = await rude.stats();
  t.ok(connects > 0, `the broker saw ${connects} CONNECT packets`);
  assertErrors(t, doc, ['BT-02', 'BT-06', 'BT-07'], 'mqtt ', /clos|CONNACK|ECONNRESET|end/i);
});

t.test('an ingest server answering a 10 MiB header block: requests fail as protocol errors, the block is never buffered', async (t) => {
  const flood = await remoteHostile(t, 'hugeHeaders');
  const doc = await audit(t, ingest(`http://127.0.0.1:${flood.port}/v1/ingest`), ['ingest-auth']);
  t.ok((await flood.stats()).accepted > 0, 'the probes did connect');
  assertErrors(t, doc, ['IA-01', 'IA-02', 'IA-03', 'IA-06', 'IA-07'], 'ingest ', /HPE_HEADER_OVERFLOW|no request got an HTTP answer/);
  const requests = doc.evidence.filter((e) => e.kind === 'http-request');
  t.ok(requests.length > 0, 'each request left evidence');
  for (const e of requests) t.not((e.data as { response: { outcome: string } }).response.outcome, 'response', `${(e.data as { case: string }).case}: no response was taken from a header flood`);
  t.ok(JSON.stringify(doc).length < 256 * 1024, 'the run document stays small');
});

t.test('an ingest server with an endless body: the answer is judged from the first 64 KiB, reading stops, the run ends', async (t) => {
  const endless = await remoteHostile(t, 'endlessBody');
  const doc = await audit(t, ingest(`http://127.0.0.1:${endless.port}/v1/ingest`), ['ingest-auth']);
  const requests = doc.evidence.filter((e) => e.kind === 'http-request').map((e) => e.data as { case: string; response: { outcome: string; status?: number; bodyBytes?: number; bodyTruncated?: boolean } });
  t.ok(requests.length >= 4, 'the request matrix was sent');
  for (const r of requests) {
    t.equal(r.response.outcome, 'response', `${r.case}: the status line and headers were observed`);
    t.equal(r.response.bodyTruncated, true, `${r.case}: the body was cut`);
    t.ok(r.response.bodyBytes! <= 64 * 1024, `${r.case}: at most 64 KiB read (${r.response.bodyBytes})`);
  }
  // 202 to a request without credentials is a real observation: IA-01 fails, backed by that evidence.
  const ia01 = doc.results.find((r) => r.control === 'IA-01')!;
  t.equal(ia01.status, 'fail', 'an endpoint that says 202 to anyone is judged on what it said');
  t.ok(ia01.evidence.length > 0, 'with the request as evidence');
  t.ok(JSON.stringify(doc).length < 256 * 1024, 'the run document stays small');
});

t.test('a TLS certificate with absurd fields (10 KiB subject, 500 SANs, notAfter 9999, RSA-1024): judged on what was served, every result detail bounded', async (t) => {
  const ca = await createCa('CN=hostile test CA');
  const notAfterDays = Math.floor((Date.UTC(9999, 11, 31) - Date.now()) / 86_400_000);
  const absurd = await issue({
    subject: `CN=${'x'.repeat(60)}, O=${'o'.repeat(10 * 1024)}`,
    issuer: ca,
    key: { type: 'rsa', bits: 1024 },
    dns: Array.from({ length: 500 }, (_, i) => `host-${i}.absurd.invalid`),
    eku: ['serverAuth'],
    notAfterDays,
  });
  t.match(absurd.cert.notAfter.toISOString(), /^9999-/, 'notAfter is in the year 9999');
  // RSA-1024 (not 512: a 512-bit key cannot make an RSA-PSS/SHA-256 signature, so no TLS 1.2+ handshake completes at all);
  // OpenSSL refuses it at the default security level, level 0 lets the server present it.
  const server = await tlsServer(t, { key: absurd.keyPem, cert: `${absurd.certPem}\n${ca.certPem}`, ciphers: 'DEFAULT@SECLEVEL=0' });
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  const doc = await audit(t, { broker: { host: '127.0.0.1', servername: 'gateway.local', ca_file: join(dir, 'ca.pem'), listeners: [{ name: 'mqtts', port: server.port, tls: true }] } }, ['broker-cert']);
  const of = (c: string) => doc.results.find((r) => r.control === c && r.resource.startsWith('mqtts '))!;
  t.equal(of('BC-05').status, 'fail', 'a 1024-bit RSA key fails BC-05');
  t.match(of('BC-05').detail, /RSA 1024 bits/);
  t.equal(of('BC-07').status, 'fail', `a validity of ~8000 years fails BC-07 (${of('BC-07').detail})`);
  t.equal(of('BC-03').status, 'fail', 'none of 500 SANs is the dialled name: BC-03 fails');
  for (const c of ['BC-03', 'BC-05', 'BC-07']) t.ok(of(c).evidence.length > 0, `${c} cites the served certificate`);
  for (const r of doc.results) t.ok(r.detail.length <= 1100, `${r.control}: a peer-controlled detail is cut to ~1000 chars (${r.detail.length})`);
  t.ok(JSON.stringify(doc).length < 512 * 1024, `the run document stays bounded (${JSON.stringify(doc).length} bytes)`);
});
