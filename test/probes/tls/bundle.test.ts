// The TLS scan as the shipped CLI bundle runs it (dist/app, esbuild): the CA
// names of a CertificateRequest are decoded by a lazily loaded module, and a
// lazy import of a CommonJS package behaves differently in the bundle than
// under Node's own loader. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import t from 'tap';
import { stringify } from 'yaml';
import { createCa, serverCert } from '../../../agent/lab/certs.js';
import { builtCli } from '../../helpers/build.js';
import { tempDir } from '../../helpers/lab.js';

const CLI = builtCli();

t.test('the bundled CLI reads a CertificateRequest and names its CA', async (t) => {
  const ca = await createCa('CN=bundle test CA, O=pathaudit');
  const server = await serverCert(ca);
  const s = tls.createServer({ key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (c) => c.end());
  s.on('tlsClientError', () => {});
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  const dir = tempDir(t);
  const config = join(dir, 'pathaudit.yaml');
  const out = join(dir, 'run.json');
  writeFileSync(
    config,
    stringify({
      broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: (s.address() as AddressInfo).port, tls: true }], default_credentials: false },
      store: { path: join(dir, 'store.db') },
      runner: { step_timeout_ms: 3000 },
    }),
  );
  await promisify(execFile)(process.execPath, [CLI, 'run', '--check', 'broker-transport', '--config', config, '--format', 'json', '--out', out]).catch((err: { code?: number }) => {
    if (err.code !== 1) throw err; // 1: findings at or above --fail-on, expected here
  });
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { evidence: Array<{ kind: string; data: { clientCertificate: unknown } }> };
  const scan = doc.evidence.find((e) => e.kind === 'tls-scan')!;
  t.match(scan.data.clientCertificate, { requested: true, caNames: ['CN=bundle test CA, O=pathaudit'], observedOn: 'TLSv1.2' });
});
