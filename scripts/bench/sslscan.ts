// sslscan as the reference the TLS scan is measured and checked against: run
// it on one listener and read its --xml report into accepted suites per
// version, keyed like the scan's evidence (version names, suite codes).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import type { TlsScan } from '../../probes/tls/scan.js';

export const SSLSCAN = ['/usr/bin/sslscan', '/usr/local/bin/sslscan'].find((p) => existsSync(p)) ?? null;

/** Accepted suite codes ("0xC02F") per version ("TLSv1", "TLSv1.2", "SSLv3"…), and the versions it calls enabled. */
export interface SuiteMap {
  enabled: string[];
  suites: Record<string, string[]>;
}

const versionOf = (type: string, version: string) => (type === 'ssl' ? `SSLv${version}` : version === '1.0' ? 'TLSv1' : `TLSv${version}`);
const codeOf = (id: string) => `0x${id.replace(/^0x/i, '').toUpperCase().padStart(4, '0')}`;

/** Reads `sslscan --xml=-` output (sslscan 2.x: <protocol type version enabled/>, <cipher status sslversion id/>). */
export function parseSslscanXml(xml: string): SuiteMap {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { document?: { ssltest?: Record<string, unknown> } };
  const test = doc.document?.ssltest;
  if (!test) throw new Error('sslscan XML has no <ssltest> element');
  const list = <T>(x: unknown): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]) as T[];
  const enabled = list<{ type: string; version: string; enabled: string }>(test.protocol)
    .filter((p) => p.enabled === '1')
    .map((p) => versionOf(p.type, p.version));
  const suites: Record<string, string[]> = {};
  for (const c of list<{ status: string; sslversion: string; id: string }>(test.cipher)) {
    if (c.status !== 'accepted' && c.status !== 'preferred') continue;
    const v = c.sslversion.replace(/^TLSv1\.0$/, 'TLSv1');
    (suites[v] ??= []).push(codeOf(c.id));
  }
  for (const v of Object.keys(suites)) suites[v]!.sort();
  return { enabled, suites };
}

/** The same map from a TLS scan. */
export function suiteMapOf(scan: TlsScan): SuiteMap {
  const accepted = scan.versions.filter((v) => v.status === 'accepted');
  return { enabled: accepted.map((v) => v.version), suites: Object.fromEntries(accepted.map((v) => [v.version, v.suites.map((s) => s.code).sort()])) };
}

const run = promisify(execFile);

/**
 * Runs sslscan on host:port (protocols and suites; the certificate, groups and
 * attack checks it would add are off where it allows). sslscan tests most
 * suites with complete OpenSSL handshakes, so on a listener that requires
 * client certificates it needs one (`client`), or it sees no TLS ≤ 1.2 suite.
 */
export async function runSslscan(host: string, port: number, client?: { certFile: string; keyFile: string }): Promise<SuiteMap> {
  if (!SSLSCAN) throw new Error('sslscan is not installed (apt-get install sslscan)');
  const auth = client ? [`--certs=${client.certFile}`, `--pk=${client.keyFile}`] : [];
  const { stdout } = await run(SSLSCAN, ['--xml=-', '--no-colour', '--no-groups', '--no-heartbleed', '--no-renegotiation', '--no-compression', '--no-fallback', '--no-check-certificate', ...auth, `${host}:${port}`], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseSslscanXml(stdout);
}
