// TLS enumeration from the ServerHello, the way sslscan and testssl do it.
// For each protocol version, offer every registered suite valid for it, note
// the server's pick, take it out and offer the rest again, until the server
// refuses: (accepted + 1) hellos per version. Versions run in parallel under
// a bounded number of open sockets; every hello has its own deadline.
//
// What each answer means:
// - a ServerHello of the version offered: the version is accepted, and so is
//   the suite it names (a HelloRetryRequest counts: it names both);
// - a ServerHello of another version, or a protocol_version,
//   handshake_failure or insufficient_security alert: refused;
// - anything else (a TCP close or reset, a timeout, bytes that are not TLS,
//   another alert, a suite that was not offered): `error`, with the reason.
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { declarePerResource } from '../evidence.js';
import { exchangeHello, type Exchange } from './exchange.js';
import { ALERT, describeAlert, type Alert } from './flight.js';
import { GROUP, PROTOCOL_VERSIONS, VERSION_CODE, buildClientHello, groupName, sniFor, versionName, type KeyShare, type ProtocolVersion } from './hello.js';
import { describeSuite, suiteByCode, suiteName, suitesFor, type SuiteName } from './suites.js';

export interface ScanTarget {
  host: string;
  port: number;
  /** The name devices dial; sent as SNI unless it is an IP literal. Defaults to host. */
  servername?: string;
  /** Deadline of each single hello. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Most sockets open at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
}

/**
 * Sockets open at once: the five eliminations side by side plus their
 * preference probes. Small enough for a broker on a Pi; more does not help
 * a single-threaded server.
 */
export const DEFAULT_CONCURRENCY = 8;

export type Preference = 'server' | 'client' | 'unknown';

export interface VersionScan {
  version: ProtocolVersion;
  status: 'accepted' | 'refused' | 'error';
  /** Whether any hello of this version got a ServerHello back (of whatever version): the listener speaks TLS. */
  serverHello: boolean;
  /** Accepted suites in the order the server picked them; that is its preference order when `preference` is `server`. */
  suites: SuiteName[];
  /** Suites offered in the first hello. */
  offered: number;
  /** `refused`: the alert, or the version the server answered instead. */
  refusal?: string;
  /** `error`: why the version could not be observed. */
  error?: string;
  /** `accepted` but enumeration stopped before the server's refusal: why. Suites beyond the list were not seen. */
  incomplete?: string;
  /** When the server's answer was not TLS: its first bytes, in hex. */
  excerpt?: string;
  preference: Preference;
  /** How the preference was found (or why it could not be). */
  preferenceHow: string;
  /** TLS 1.3: the group a HelloRetryRequest asked for. */
  helloRetryGroup?: string;
  /** The ephemeral key of the first accepted hello: ECDHE group or DHE prime size (TLS ≤ 1.2, from ServerKeyExchange), key share group (TLS 1.3). */
  keyExchange?: string;
  hellos: number;
  durationMs: number;
}

export interface ClientCertificateObservation {
  /** true: a CertificateRequest was in the server's first flight; false: ServerHelloDone came without one; null: not observable. */
  requested: boolean | null;
  /** Distinguished names from certificate_authorities (RFC 5246 §7.4.4); an empty list means "any CA". */
  caNames: string[];
  /** The version whose flight was read. */
  observedOn: ProtocolVersion | null;
  note: string;
}

export interface TlsScan {
  host: string;
  port: number;
  /** The SNI sent, or null (IP literal). */
  servername: string | null;
  versions: VersionScan[];
  clientCertificate: ClientCertificateObservation;
  hellos: number;
  durationMs: number;
}

/** `tls-scan <resource>`: the versions and suites an endpoint accepts (broker TLS listeners, the https ingest endpoint). */
export const tlsScanEvidence = declarePerResource<TlsScan>({ word: 'tls-scan', kind: 'tls-scan' });

/** Alerts that mean "not with what you offered" (RFC 5246 §7.2.2, RFC 8446 §6.2). */
const isRefusal = (a: Alert) => a.description === ALERT.protocolVersion || a.description === ALERT.handshakeFailure || a.description === ALERT.insufficientSecurity;

/** Key shares the scan can compute, one key per group per scan (we never finish a handshake, so nothing secret rides on it). */
function publicKeyFor(group: number): Buffer | null {
  if (group === GROUP.x25519 || group === GROUP.x448) {
    const { publicKey } = group === GROUP.x25519 ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
    return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  }
  const curve = { [GROUP.secp256r1]: 'prime256v1', [GROUP.secp384r1]: 'secp384r1', [GROUP.secp521r1]: 'secp521r1' }[group];
  return curve ? createECDH(curve).generateKeys() : null;
}

function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

interface ReadOnResult {
  version: ProtocolVersion;
  requested: boolean | null;
  authorities: Buffer[];
  note: string;
}

interface ScanContext {
  target: ScanTarget;
  sni: string | undefined;
  limit: ReturnType<typeof limiter>;
  keys: Map<number, Buffer | null>;
  readOns: ReadOnResult[];
}

function keyShare(ctx: ScanContext, group: number): KeyShare[] {
  if (!ctx.keys.has(group)) ctx.keys.set(group, publicKeyFor(group));
  const key = ctx.keys.get(group);
  return key ? [{ group, key }] : [];
}

async function scanVersion(version: ProtocolVersion, ctx: ScanContext): Promise<VersionScan> {
  const started = performance.now();
  const t = ctx.target;
  let offer = suitesFor(version);
  const offered = offer.length;
  const accepted: number[] = [];
  let hellos = 0;
  let serverHello = false;
  let shareGroup: number = GROUP.x25519;
  let helloRetryGroup: number | null = null;
  let readOn = version !== 'TLSv1.3';
  let keyExchange: string | undefined;
  let preference: Promise<[Preference, string]> | null = null;
  const out: Partial<VersionScan> = {};

  const send = (suites: number[], withReadOn: boolean): Promise<Exchange> =>
    ctx.limit(() => {
      hellos++;
      const hello = buildClientHello({
        version,
        suites,
        servername: ctx.sni,
        random: randomBytes(32),
        ...(version === 'TLSv1.3' ? { sessionId: randomBytes(32), keyShares: keyShare(ctx, shareGroup) } : {}),
      });
      return exchangeHello({ host: t.host, port: t.port, timeoutMs: t.timeoutMs, signal: t.signal }, hello, withReadOn);
    });
  // The pick order says nothing by itself: the same two suites offered in the other order tell whose order rules.
  const probePreference = async (first: number, second: number): Promise<[Preference, string]> => {
    const r = await send([second, first], false);
    const how = `offered ${suiteName(second).iana} before ${suiteName(first).iana}`;
    if (r.outcome !== 'server_hello') return ['unknown', `${how}: ${r.outcome === 'alert' ? describeAlert(r.alert) : r.reason}`];
    if (r.hello.suite === first) return ['server', `${how}: the server still chose ${suiteName(first).iana}`];
    if (r.hello.suite === second) return ['client', `${how}: the server took ${suiteName(second).iana}, the client's first`];
    return ['unknown', `${how}: the server chose ${suiteName(r.hello.suite).iana}`];
  };
  const stop = (reason: string, excerpt?: string) => {
    if (accepted.length) out.incomplete = reason;
    else out.error = reason;
    if (excerpt) out.excerpt = excerpt;
  };

  // OpenSSL 3 answers a version it is configured to allow but cannot sign at
  // its security level (TLS <= 1.1 needs SHA-1 signatures, forbidden from
  // level 1 up, the default) with internal_error instead of protocol_version.
  // No client can complete that version, so the same alert to a second hello
  // is read as a refusal; once is not enough (it may be a passing fault).
  let internalErrors = 0;

  // Bounded: each round removes one suite from the offer or ends the loop
  // (the one repeated hello after an internal_error aside).
  while (offer.length) {
    if (t.signal?.aborted) {
      stop('aborted: the check budget ran out');
      break;
    }
    const r = await send(offer, readOn);
    if (r.outcome === 'alert') {
      // After at least one pick, a refusal is the normal end: nothing offered is left that the server takes.
      if (isRefusal(r.alert)) {
        if (!accepted.length) out.refusal = describeAlert(r.alert);
      } else if (r.alert.description === ALERT.internalError && !accepted.length && ++internalErrors < 2) {
        continue;
      } else if (r.alert.description === ALERT.internalError && !accepted.length) {
        out.refusal = `${describeAlert(r.alert)} to two hellos: the server cannot negotiate ${version} (OpenSSL 3 answers so when its security level leaves no signature algorithm for the version)`;
      } else stop(`the server answered ${describeAlert(r.alert)}`);
      break;
    }
    if (r.outcome === 'error') {
      stop(r.reason, r.excerpt);
      break;
    }
    serverHello = true;
    const h = r.hello;
    if (h.version !== VERSION_CODE[version]) {
      if (!accepted.length) out.refusal = `ServerHello of ${versionName(h.version)} instead`;
      else stop(`a later hello was answered with ${versionName(h.version)}`);
      break;
    }
    if (!offer.includes(h.suite)) {
      stop(`the server chose ${describeSuite(suiteName(h.suite))}, which was not offered`);
      break;
    }
    accepted.push(h.suite);
    offer = offer.filter((c) => c !== h.suite);
    if (h.helloRetry && h.keyShareGroup !== null) {
      helloRetryGroup = h.keyShareGroup;
      // Later hellos carry a share of the group the server asked for, when we can compute it; otherwise every hello is a HelloRetryRequest, which names the suite just as well.
      if (keyShare(ctx, h.keyShareGroup).length) shareGroup = h.keyShareGroup;
    }
    if (version === 'TLSv1.3' && !h.helloRetry && h.keyShareGroup !== null) keyExchange ??= `${groupName(h.keyShareGroup)} key share with ${suiteName(h.suite).iana}`;
    if (r.readOn?.done && r.readOn.keyExchange && r.readOn.keyExchange.kind !== 'other') {
      const p = r.readOn.keyExchange;
      keyExchange ??= `${p.kind === 'ECDHE' ? `ECDHE ${groupName(p.group)}` : `DHE ${p.primeBits}-bit`} with ${suiteName(h.suite).iana}`;
    }
    if (r.readOn) {
      const anonymous = suiteByCode(h.suite)?.auth === 'anon';
      if (r.readOn.done && !r.readOn.certificateRequest && anonymous) {
        // RFC 5246 §7.4.4: an anonymous server must not request a certificate; ask again on the next suite.
      } else {
        readOn = false;
        ctx.readOns.push(
          r.readOn.done
            ? { version, requested: Boolean(r.readOn.certificateRequest), authorities: r.readOn.certificateRequest?.authorities ?? [], note: `read to ServerHelloDone on ${version} with ${suiteName(h.suite).iana}` }
            : { version, requested: null, authorities: [], note: `could not read the ${version} flight to ServerHelloDone: ${r.readOn.reason}` },
        );
      }
    }
    if (accepted.length === 2) preference = probePreference(accepted[0]!, accepted[1]!);
  }

  const [pref, preferenceHow] = preference
    ? await preference
    : (['unknown', accepted.length === 1 ? 'one suite accepted: no order to observe' : 'no suite accepted'] as [Preference, string]);
  return {
    version,
    status: accepted.length ? 'accepted' : out.refusal ? 'refused' : 'error',
    serverHello,
    suites: accepted.map(suiteName),
    offered,
    ...out,
    preference: pref,
    preferenceHow,
    ...(helloRetryGroup !== null ? { helloRetryGroup: groupName(helloRetryGroup) } : {}),
    ...(keyExchange ? { keyExchange } : {}),
    hellos,
    durationMs: Math.round(performance.now() - started),
  };
}

/** CA names as text; the decoder (and its ASN.1 library) loads only when a server does list some. */
async function decodeNames(ders: Buffer[]): Promise<string[]> {
  return ders.length ? (await import('./names.js')).decodeNames(ders) : [];
}

async function clientCertificateOf(versions: VersionScan[], readOns: ReadOnResult[]): Promise<ClientCertificateObservation> {
  const byRank = [...readOns].sort((a, b) => VERSION_CODE[b.version] - VERSION_CODE[a.version]);
  const seen = byRank.find((r) => r.requested !== null) ?? byRank[0];
  if (seen) return { requested: seen.requested, caNames: await decodeNames(seen.authorities), observedOn: seen.version, note: seen.note };
  const tls13 = versions.find((v) => v.version === 'TLSv1.3');
  if (tls13?.status === 'accepted')
    return { requested: null, caNames: [], observedOn: null, note: 'only TLS 1.3 accepted: its CertificateRequest travels encrypted (RFC 8446 §4.3.2) and cannot be read from the hello' };
  return { requested: null, caNames: [], observedOn: null, note: 'no version up to TLS 1.2 accepted: no server flight to read' };
}

/** Enumerates versions and suites of one TLS listener. Never throws; every hello settles within `timeoutMs`. */
export async function scanTls(target: ScanTarget): Promise<TlsScan> {
  const started = performance.now();
  const sni = sniFor(target.servername ?? target.host);
  const ctx: ScanContext = { target, sni, limit: limiter(target.concurrency ?? DEFAULT_CONCURRENCY), keys: new Map(), readOns: [] };
  const versions = await Promise.all(PROTOCOL_VERSIONS.map((v) => scanVersion(v, ctx)));
  return {
    host: target.host,
    port: target.port,
    servername: sni ?? null,
    versions,
    clientCertificate: await clientCertificateOf(versions, ctx.readOns),
    hellos: versions.reduce((n, v) => n + v.hellos, 0),
    durationMs: Math.round(performance.now() - started),
  };
}
