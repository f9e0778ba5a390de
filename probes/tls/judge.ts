// Judgement of a TLS scan, pure: which protocol versions and which suite
// classes a server takes. Shared by broker-transport (BT-03, BT-04) and
// ingest-auth (IA-05). A version or suite probe that errored never passes:
// what was not observed cannot be called refused.
import type { ProtocolVersion } from './hello.js';
import type { Preference, TlsScan, VersionScan } from './scan.js';
import { describeSuite, suiteByCode, type SuiteName } from './suites.js';

/** Versions below TLS 1.2 (RFC 8996 deprecates TLS 1.0 and 1.1; RFC 7568 SSLv3). */
export const LEGACY_VERSIONS: readonly ProtocolVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1'];

/** The listener speaks TLS: at least one hello got a ServerHello back, of whatever version. */
export const speaksTls = (scan: TlsScan): boolean => scan.versions.some((v) => v.serverHello);

export type Verdict = 'pass' | 'fail' | 'error';

const why = (v: VersionScan) => v.error ?? v.incomplete ?? v.refusal ?? v.status;

function acceptedHow(v: VersionScan): string {
  const first = v.suites[0];
  return `${v.version} (${v.suites.length} suite${v.suites.length === 1 ? '' : 's'}${first ? `, e.g. ${describeSuite(first)}` : ''})`;
}

export interface VersionJudgement {
  status: Verdict;
  /** Legacy versions the server accepted. */
  accepted: ProtocolVersion[];
  /** Legacy versions whose probe errored. */
  unobserved: ProtocolVersion[];
  detail: string;
}

/** BT-03: every version below TLS 1.2 the server accepts, SSLv3 included. */
export function judgeProtocolVersions(scan: TlsScan): VersionJudgement {
  const legacy = scan.versions.filter((v) => LEGACY_VERSIONS.includes(v.version));
  const accepted = legacy.filter((v) => v.status === 'accepted');
  const unobserved = legacy.filter((v) => v.status === 'error');
  const names = (vs: VersionScan[]) => vs.map((v) => v.version);
  if (accepted.length) {
    const also = unobserved.length ? `; not observed: ${unobserved.map((v) => `${v.version} (${why(v)})`).join('; ')}` : '';
    return { status: 'fail', accepted: names(accepted), unobserved: names(unobserved), detail: `accepted below TLS 1.2: ${accepted.map(acceptedHow).join('; ')}${also}` };
  }
  if (unobserved.length)
    return { status: 'error', accepted: [], unobserved: names(unobserved), detail: `could not observe the server's answer for ${unobserved.map((v) => `${v.version}: ${why(v)}`).join('; ')}` };
  return { status: 'pass', accepted: [], unobserved: [], detail: legacy.map((v) => `${v.version} refused (${v.refusal})`).join('; ') };
}

/** Weak classes of a suite, in the order they are named. */
export const WEAK_CLASSES = ['NULL', 'anonymous', 'EXPORT', 'RC4', 'DES/3DES', 'CBC', 'static RSA key exchange', 'static DH key exchange', 'SHA-1 MAC', 'MD5 MAC'] as const;
export type WeakClass = (typeof WEAK_CLASSES)[number];

/** The classes that are broken whatever else a suite has: BT-04 is high when one of them is accepted. */
export const BROKEN_CLASSES: ReadonlySet<WeakClass> = new Set(['NULL', 'anonymous', 'EXPORT', 'RC4', 'DES/3DES']);

/**
 * Why a suite is weak. CBC (never AEAD) has a history of padding oracles;
 * static RSA and static (EC)DH give no forward secrecy (RSA-PSK encrypts to
 * the server's RSA key as well); SHA-1 and MD5 MACs are legacy constructions.
 */
export function weakClassesOf(code: number): WeakClass[] {
  const s = suiteByCode(code);
  if (!s) return [];
  const out: WeakClass[] = [];
  if (s.cipher === 'NULL') out.push('NULL');
  if (s.auth === 'anon' || s.kx === 'NULL') out.push('anonymous');
  if (s.export) out.push('EXPORT');
  if (s.cipher === 'RC4') out.push('RC4');
  if (s.cipher.startsWith('DES-') || s.cipher.startsWith('3DES-')) out.push('DES/3DES');
  if (s.cipher.endsWith('-CBC')) out.push('CBC');
  if (s.kx === 'RSA' || s.kx === 'RSA-PSK') out.push('static RSA key exchange');
  if (s.kx === 'DH' || s.kx === 'ECDH') out.push('static DH key exchange');
  if (s.mac === 'SHA1') out.push('SHA-1 MAC');
  if (s.mac === 'MD5') out.push('MD5 MAC');
  return out;
}

export interface WeakSuite {
  suite: SuiteName;
  versions: ProtocolVersion[];
  classes: WeakClass[];
}

export interface SuiteJudgement {
  status: Verdict;
  severity: 'high' | 'medium' | null;
  /** Every weak class seen, in WEAK_CLASSES order. */
  classes: WeakClass[];
  weak: WeakSuite[];
  /** Distinct suites accepted over all versions. */
  accepted: number;
  /** Why some versions were not fully enumerated. */
  unobserved: string[];
  detail: string;
}

/** Details list this many weak suites; the evidence lists them all. */
const DETAIL_SUITES = 10;

function preferences(scan: TlsScan): string {
  const by = new Map<Preference, ProtocolVersion[]>();
  for (const v of scan.versions) if (v.suites.length > 1) by.set(v.preference, [...(by.get(v.preference) ?? []), v.version]);
  const parts = [...by].map(([p, vs]) => `${p === 'server' ? "server's own order" : p === 'client' ? "client's order" : 'order unknown'} on ${vs.join(', ')}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** BT-04 (and IA-05's suite part): every weak class among all suites accepted on any version, TLS 1.3 included. */
export function judgeCipherSuites(scan: TlsScan): SuiteJudgement {
  const seen = new Map<string, { suite: SuiteName; versions: ProtocolVersion[] }>();
  for (const v of scan.versions)
    for (const s of v.suites) {
      const entry = seen.get(s.code) ?? { suite: s, versions: [] };
      entry.versions.push(v.version);
      seen.set(s.code, entry);
    }
  const unobserved = scan.versions.filter((v) => v.status === 'error' || v.incomplete).map((v) => `${v.version}: ${v.error ?? v.incomplete}`);
  const weak: WeakSuite[] = [];
  for (const { suite, versions } of seen.values()) {
    const classes = weakClassesOf(Number.parseInt(suite.code, 16));
    if (classes.length) weak.push({ suite, versions, classes });
  }
  const classes = WEAK_CLASSES.filter((c) => weak.some((w) => w.classes.includes(c)));
  const base = { classes, weak, accepted: seen.size, unobserved };
  if (weak.length) {
    const listed = weak.slice(0, DETAIL_SUITES).map((w) => `${describeSuite(w.suite)} on ${w.versions.join(', ')} [${w.classes.join(', ')}]`);
    const more = weak.length > DETAIL_SUITES ? `; and ${weak.length - DETAIL_SUITES} more (see evidence)` : '';
    const also = unobserved.length ? `; not fully observed: ${unobserved.join('; ')}` : '';
    return {
      ...base,
      status: 'fail',
      severity: classes.some((c) => BROKEN_CLASSES.has(c)) ? 'high' : 'medium',
      detail: `weak suites accepted (${classes.join(', ')}): ${weak.length} of ${seen.size} accepted suites${preferences(scan)}: ${listed.join('; ')}${more}${also}`,
    };
  }
  if (unobserved.length) return { ...base, status: 'error', severity: null, detail: `suites not fully enumerated: ${unobserved.join('; ')}` };
  if (!seen.size) return { ...base, status: 'error', severity: null, detail: 'the server accepted no version offered: no suite to judge' };
  const names = [...seen.values()].map((e) => e.suite.iana);
  return { ...base, status: 'pass', severity: null, detail: `no weak class among the ${seen.size} accepted suites${preferences(scan)}: ${names.join(', ')}` };
}
