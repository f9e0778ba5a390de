// Starts Debian's Mosquitto on loopback with a config from this folder, its
// placeholders filled with the test's temp folder and free ports. Installed by
// .ci/run (`apt-get install mosquitto`); tests skip with a reason elsewhere,
// unless PATHAUDIT_REQUIRE_INTEROP=1 (set by .ci/run): then a missing broker
// fails them, so that CI cannot pass with the interop suite silently skipped.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { freePort } from '../helpers/lab.js';
import { createCa, serverCert, type Issued } from '../../agent/lab/certs.js';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

export function skipReason(): string | false {
  if (MOSQUITTO) return false;
  if (process.env.PATHAUDIT_REQUIRE_INTEROP === '1') throw new Error('mosquitto is not installed, and PATHAUDIT_REQUIRE_INTEROP=1 requires the interop suite (apt-get install mosquitto)');
  return 'mosquitto is not installed (CI installs it: apt-get install mosquitto)';
}


async function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms: ${stderr()}`);
}

export interface RunningMosquitto {
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts mosquitto/<template>.conf. `acl` names the file of this folder copied
 * to @DIR@/acl (default `acl`); `ports` reuses the ports of an earlier start;
 * `env` adds to the broker's environment (e.g. OPENSSL_CONF); `vars` fills
 * further `@NAME@` placeholders of the template.
 */
export async function startMosquitto(
  template: string,
  dir: string,
  portNames: string[],
  opts: { acl?: string; ports?: Record<string, number>; env?: NodeJS.ProcessEnv; vars?: Record<string, string> } = {},
): Promise<RunningMosquitto> {
  const ports: Record<string, number> = { ...opts.ports };
  for (const name of portNames) ports[name] ??= await freePort();
  let conf = readFileSync(new URL(`./mosquitto/${template}.conf`, import.meta.url), 'utf8').replaceAll('@DIR@', dir);
  for (const [name, port] of Object.entries(ports)) conf = conf.replaceAll(`@PORT_${name}@`, String(port));
  for (const [name, value] of Object.entries(opts.vars ?? {})) conf = conf.replaceAll(`@${name}@`, value);
  copyFileSync(new URL(`./mosquitto/${opts.acl ?? 'acl'}`, import.meta.url), join(dir, 'acl'));
  const file = join(dir, `${template}.conf`);
  writeFileSync(file, conf);
  let err = '';
  const child = spawn(MOSQUITTO!, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts.env } });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  for (const port of Object.values(ports)) await waitForPort(port, child, () => err);
  return {
    ports,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Writes a Mosquitto password file (hashed by mosquitto_passwd). */
export function writePasswordFile(dir: string, user: string, password: string): void {
  execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), user, password], { stdio: 'ignore' });
}

/** Adds a user to the password file writePasswordFile made. */
export function addPassword(dir: string, user: string, password: string): void {
  execFileSync('mosquitto_passwd', ['-b', join(dir, 'passwd'), user, password], { stdio: 'ignore' });
}

/**
 * Certificates for weak.conf, written into `dir`: a CA (ca.pem), an expired
 * server certificate (expired.crt/.key) and one for another host name
 * (wrongname.crt/.key).
 */
export async function writeWeakPki(dir: string): Promise<{ ca: Issued; expired: Issued; wrongname: Issued }> {
  const ca = await createCa();
  const expired = await serverCert(ca, { notBeforeDays: -400, notAfterDays: -10 });
  const wrongname = await serverCert(ca, { dns: ['other.example'], ips: [] });
  for (const [name, c] of [['expired', expired], ['wrongname', wrongname]] as const) {
    writeFileSync(join(dir, `${name}.crt`), c.certPem);
    writeFileSync(join(dir, `${name}.key`), c.keyPem, { mode: 0o600 });
  }
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  return { ca, expired, wrongname };
}
