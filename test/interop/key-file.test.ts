// Interop: BC-09 against Debian's Mosquitto 2.0.11, which loads its key after
// dropping privileges to `user mosquitto`. The working setup passes; a 0644
// key fails, and applying the commands BC-09's remediation names, then
// restarting the broker, leaves it starting and serving TLS. The old advice
// (root:root 0600) is shown to stop the broker, which is why BC-09 warns on it.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { tlsHandshake } from '../../probes/tls.js';
import { createCa, serverCert } from '../../agent/lab/certs.js';
import { load, resultOf, runChecks, tempDir } from '../helpers/lab.js';
import { skipReason, startMosquitto } from './mosquitto.js';

function mosquittoIds(): { uid: number; gid: number } | null {
  try {
    return { uid: Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' })) };
  } catch {
    return null;
  }
}

function why(): string | false {
  const s = skipReason();
  if (s) return s;
  if (process.getuid?.() !== 0) return 'needs root: Mosquitto must start as root to drop to user mosquitto, and the key is chowned';
  if (!mosquittoIds()) return 'no mosquitto account (the Debian package creates it)';
  return false;
}

t.test('Debian Mosquitto with `user mosquitto`: BC-09 against its real key, and its remediation leaves the broker serving TLS', { skip: why() }, async (t) => {
  const ids = mosquittoIds()!;
  const dir = tempDir(t);
  chmodSync(dir, 0o755); // the broker, once it is mosquitto, must reach its files
  const ca = await createCa();
  const cert = await serverCert(ca);
  writeFileSync(join(dir, 'server.crt'), cert.certPem, { mode: 0o644 });
  const key = join(dir, 'server.key');
  writeFileSync(key, cert.keyPem);
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);

  let broker: Awaited<ReturnType<typeof startMosquitto>> | null = null;
  t.teardown(() => broker?.stop());
  const restart = async () => {
    await broker?.stop();
    broker = null;
    broker = await startMosquitto('keyfile', dir, ['TLS']);
    return broker;
  };
  const servesTls = async () => {
    const hs = await tlsHandshake({ host: '127.0.0.1', port: broker!.ports.TLS!, servername: 'gateway.local', timeoutMs: 3000 });
    return hs.ok;
  };
  const audit = async () => {
    const file = join(dir, 'pathaudit.yaml');
    // broker.user is left to its default: the running broker's owner, else mosquitto (either way mosquitto here).
    writeFileSync(file, stringify({ broker: { host: '127.0.0.1', servername: 'gateway.local', listeners: [{ name: 'mqtts', port: broker!.ports.TLS!, tls: true }], ca_file: join(dir, 'ca.pem'), key_file: key } }));
    const doc = await runChecks(load(file), ['broker-cert']);
    return { doc, bc09: resultOf(doc, 'BC-09') };
  };

  // 1. The working setup: root:mosquitto 0640.
  chownSync(key, 0, ids.gid);
  chmodSync(key, 0o640);
  await restart();
  t.ok(await servesTls(), 'Mosquitto started (as mosquitto) with a root:mosquitto 0640 key and serves TLS');
  const working = await audit();
  t.match(working.bc09, { status: 'pass', detail: /mode 0640, owner root \(uid 0\), group mosquitto .*broker user mosquitto .*readable by mosquitto only/ }, working.bc09.detail);

  // 2. A 0644 key fails; the remediation's commands, applied and followed by a restart, keep the broker working.
  chownSync(key, 0, 0);
  chmodSync(key, 0o644);
  await restart();
  const open = await audit();
  t.match(open.bc09, { status: 'fail', detail: /readable by every local account/ });
  const finding = open.doc.findings.find((f) => f.control === 'BC-09')!;
  const commands = [...finding.remediation.matchAll(/`(chown [^`]+)`/g)].map((m) => m[1]!);
  t.equal(commands.length, 2, `two working commands named: ${commands.join(' | ')}`);
  for (const command of commands) {
    chownSync(key, 0, 0);
    chmodSync(key, 0o644);
    execFileSync('sh', ['-c', command]);
    await restart();
    t.ok(await servesTls(), `after \`${command}\` and a restart, Mosquitto starts and serves TLS`);
    const fixed = await audit();
    t.equal(fixed.bc09.status, 'pass', `BC-09 passes after \`${command}\`: ${fixed.bc09.detail}`);
  }

  // 3. What BC-09 no longer advises: root:root 0600 stops Mosquitto, and BC-09 says so beforehand.
  await broker!.stop();
  broker = null;
  chownSync(key, 0, 0);
  chmodSync(key, 0o600);
  await t.rejects(startMosquitto('keyfile', dir, ['TLS']), /Unable to load server key file/, 'root:root 0600: Mosquitto cannot load its key and exits');
  // Judge the file with a listener that is not there (the key file is judged on its own).
  const file = join(dir, 'pathaudit-down.yaml');
  writeFileSync(file, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1, tls: false }], key_file: key, user: 'mosquitto' } }));
  t.match(resultOf(await runChecks(load(file), ['broker-cert']), 'BC-09'), { status: 'warn', detail: /mosquitto cannot read it/ });
});
