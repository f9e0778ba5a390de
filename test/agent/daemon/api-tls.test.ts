// api.tls: `serve` (the built CLI) answers over HTTPS with a certificate made
// at test time, /metrics is scraped with the bearer token over TLS 1.2+, the
// key never reaches the log; a key that is not the certificate's is refused
// at start naming api.tls; and an API bound beyond loopback without TLS is
// warned about on stderr and in the log. (The bind beyond loopback uses
// 192.0.2.1, TEST-NET-1, which is on no interface here: the listen fails with
// EADDRNOTAVAIL, nothing is bound and no packet leaves the host.)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { builtCli } from '../../helpers/build.js';
import { parse, stringify } from 'yaml';
import { apiExposureWarning, startDaemon } from '../../../agent/daemon/serve.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { PathauditError } from '../../../agent/errors.js';
import { createLogger } from '../../../agent/log.js';
import { createCa, serverCert } from '../../../agent/lab/certs.js';
import { serve } from '../../reliability/serve-child.js';
import { apiLab, TOKEN } from '../api/helpers.js';

const CLI = builtCli();

/** GET over HTTPS trusting only `ca`; resolves with status, body and the negotiated TLS version. */
function get(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, timeout: 10_000 }, (res) => {
      let body = '';
      const protocol = (res.socket as TLSSocket).getProtocol();
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function tlsFiles(dir: string) {
  const ca = await createCa('CN=pathaudit test API CA');
  const server = await serverCert(ca);
  const other = await serverCert(ca);
  const files = { ca: join(dir, 'api-ca.pem'), cert: join(dir, 'api.crt'), key: join(dir, 'secrets', 'api.key'), otherKey: join(dir, 'secrets', 'other.key') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, server.certPem);
  writeFileSync(files.key, server.keyPem, { mode: 0o600 });
  writeFileSync(files.otherKey, other.keyPem, { mode: 0o600 });
  return { ...files, caPem: ca.certPem, keyPem: server.keyPem };
}

t.test('serve over HTTPS: /metrics scraped with the token over TLS 1.2+, 401 without it, the key never logged', async (t) => {
  const { gw, port, tokenFile } = await apiLab(t);
  const f = await tlsFiles(gw.dir);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.api = { listen: `127.0.0.1:${port}`, token_file: tokenFile, tls: { cert_file: f.cert, key_file: f.key } };
  writeFileSync(gw.configFile, stringify(cfg));
  const served = await serve(t, gw.configFile);
  const ready = served.lines.find((l) => l.msg === 'pathaudit ready')!;
  t.equal(ready.tls, true, 'the ready line says TLS');
  const base = `https://127.0.0.1:${port}`;
  const scrape = await get(`${base}/metrics`, f.caPem, { authorization: `Bearer ${TOKEN}` });
  t.equal(scrape.status, 200, '/metrics over HTTPS with the token: 200');
  t.match(scrape.body, /^pathaudit_store_up 1$/m, 'the scrape carries the metrics');
  t.ok(scrape.protocol === 'TLSv1.2' || scrape.protocol === 'TLSv1.3', `negotiated ${scrape.protocol}`);
  t.equal((await get(`${base}/metrics`, f.caPem)).status, 401, 'without the token: 401, over TLS too');
  const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  );
  t.not(plain, 200, `plain HTTP on the TLS port gets no answer (${plain})`);
  const stopped = await served.stop();
  t.equal(stopped.code, 0, 'SIGTERM: exit 0');
  const keyBody = f.keyPem.split('\n')[1]!;
  t.notOk(served.rawStdout().includes(keyBody) || served.rawStderr().includes(keyBody), 'no line of the key in the log or on stderr');
});

t.test('a key that is not the certificate\'s: serve exits 2 naming api.tls, without the key', async (t) => {
  const { gw, port, tokenFile } = await apiLab(t);
  const f = await tlsFiles(gw.dir);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.api = { listen: `127.0.0.1:${port}`, token_file: tokenFile, tls: { cert_file: f.cert, key_file: f.otherKey } };
  writeFileSync(gw.configFile, stringify(cfg));
  const r = spawnSync(process.execPath, [CLI, 'serve', '--config', gw.configFile], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 2, 'exit 2: config error');
  t.match(r.stderr, /api\.tls: cannot serve .*api\.crt with api\.tls\.key_file .*other\.key: .*key values mismatch/i);
  t.notOk(r.stderr.includes(readFileSync(f.otherKey, 'utf8').split('\n')[1]!), 'the key is not printed');
});

t.test('beyond loopback without TLS: a warning on stderr and in the log; with TLS none', async (t) => {
  t.equal(apiExposureWarning({ host: '127.0.0.1', port: 7878 }, false), null, 'loopback: no warning');
  t.equal(apiExposureWarning({ host: '::1', port: 7878 }, false), null, '::1: no warning');
  t.equal(apiExposureWarning({ host: '192.0.2.1', port: 7878 }, true), null, 'TLS: no warning');
  t.match(apiExposureWarning({ host: '0.0.0.0', port: 7878 }, false), /0\.0\.0\.0:7878 binds beyond loopback without api\.tls/);

  const { gw, port, tokenFile } = await apiLab(t);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.api = { listen: `192.0.2.1:${port}`, token_file: tokenFile };
  writeFileSync(gw.configFile, stringify(cfg));
  // In process: the warning reaches the log and the warn hook before the listen fails.
  let logged = '';
  const log = createLogger({ destination: { write: (s: string) => void (logged += s) } as unknown as NodeJS.WritableStream });
  const warned: string[] = [];
  const err = await startDaemon({ configFile: gw.configFile, log, executor: inProcessExecutor, warn: (l) => warned.push(l) }).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(warned.join(''), /^pathaudit: warning: api\.listen 192\.0\.2\.1:\d+ binds beyond loopback without api\.tls/);
  t.match(logged, /"level":40.*binds beyond loopback without api\.tls/, 'pino warn line');
  t.ok(err instanceof PathauditError && err.code === 'PATHAUDIT_ERR_CONFIG', 'then the listen fails cleanly (192.0.2.1 is on no interface)');
  t.match((err as Error).message, /api\.listen: cannot listen on 192\.0\.2\.1/);
  // The CLI prints it on stderr and exits 2, closing what it opened.
  const r = spawnSync(process.execPath, [CLI, 'serve', '--config', gw.configFile], { encoding: 'utf8', timeout: 30_000 });
  t.match(r.stderr, /pathaudit: warning: api\.listen 192\.0\.2\.1:\d+ binds beyond loopback without api\.tls/, 'stderr names the exposure');
  t.equal(r.status, 2, 'exit 2 (cannot listen there)');
});

t.test('SIGHUP reload serves a renewed certificate from the next handshake on', async (t) => {
  const { gw, port, tokenFile } = await apiLab(t);
  const f = await tlsFiles(gw.dir);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.api = { listen: `127.0.0.1:${port}`, token_file: tokenFile, tls: { cert_file: f.cert, key_file: f.key } };
  writeFileSync(gw.configFile, stringify(cfg));
  const daemon = await startDaemon({ configFile: gw.configFile, log: createLogger({ level: 'silent' }), executor: inProcessExecutor });
  t.teardown(() => daemon.stop('test over'));
  const served = () =>
    new Promise<string>((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${port}/healthz`, { ca: f.caPem, agent: false }, (res) => {
        resolve((res.socket as TLSSocket).getPeerCertificate().fingerprint256);
        res.resume();
      });
      req.on('error', reject);
    });
  const before = await served();
  const renewed = await serverCert(await createCa('CN=pathaudit renewed CA'));
  writeFileSync(f.cert, renewed.certPem);
  writeFileSync(f.key, renewed.keyPem, { mode: 0o600 });
  t.equal(await daemon.reload(), true, 'the reload is taken');
  const after = await new Promise<string>((resolve, reject) => {
    const req = https.get(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, agent: false }, (res) => {
      resolve((res.socket as TLSSocket).getPeerCertificate().fingerprint256);
      res.resume();
    });
    req.on('error', reject);
  });
  t.not(after, before, 'a new certificate is served');
  t.equal(after, new (await import('node:crypto')).X509Certificate(renewed.certPem).fingerprint256, 'the renewed one');
});
