// broker-cert: the certificate each TLS endpoint of the path actually serves.
// Endpoints are every TLS broker listener and, when it is https, the ingest
// endpoint. Files named in the config (trust anchor, certificate on disk, key)
// are read here; of the key only stat() is ever taken, never its bytes.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { PathauditConfig } from '../../config/schema/index.js';
import { statKeyFile } from '../file-mode.js';
import { reasonOf } from '../reason.js';
import { brokerResource, listenerResource } from '../resources.js';
import { safeUrl } from '../http.js';
import { describeFailure, tlsHandshake } from '../tls.js';
import { collectAccounts } from '../accounts.js';
import { collectProcesses } from '../processes.js';
import { systemView } from '../system.js';
import type { CollectContext, Evidence } from '../types.js';
import { parseCertificate, readCertificates, verifyChain, type CertFacts, type ChainVerdict } from '../x509.js';

/** One TLS endpoint whose served certificate is judged. */
export interface Endpoint {
  kind: 'broker' | 'ingest';
  resource: string;
  host: string;
  port: number;
  /** The name (or IP) devices dial: SNI and the BC-03 match. */
  dialName: string;
  caFile?: string;
  caWhere: string;
  /** Certificate file on disk (broker only; BC-08). */
  certFile?: string;
  /** The ingest client certificate to present, when the relay requires one (ingest.auth type client-cert): a relay that verifies clients may refuse the handshake without it. */
  clientCert?: { certFile: string; keyFile: string };
}

/** The same resource id as ingest-auth's (without userinfo or query), so both checks speak of one endpoint. */
export const ingestResource = (url: string) => `ingest ${safeUrl(url)}`;

export function endpointsOf(config: PathauditConfig): Endpoint[] {
  const out: Endpoint[] = [];
  const b = config.broker;
  if (b) {
    for (const l of b.listeners.filter((x) => x.tls)) {
      const host = l.host ?? b.host;
      out.push({ kind: 'broker', resource: listenerResource(l, host), host, port: l.port, dialName: b.servername ?? host, caFile: b.ca_file, caWhere: 'broker.ca_file', certFile: b.cert_file });
    }
  }
  const i = config.ingest;
  if (i && i.url.startsWith('https://')) {
    const u = new URL(i.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const a = i.auth;
    const clientCert = a?.type === 'client-cert' && a.cert_file && a.key_file ? { certFile: a.cert_file, keyFile: a.key_file } : undefined;
    out.push({ kind: 'ingest', resource: ingestResource(i.url), host, port: Number(u.port || 443), dialName: i.servername ?? host, caFile: i.ca_file, caWhere: 'ingest.ca_file', clientCert });
  }
  return out;
}

export interface ServedData {
  host: string;
  port: number;
  dialName: string;
  handshake: { ok: true; protocol: string } | { ok: false; failure: string };
  leaf?: CertFacts;
  /** Further certificates the server sent, in order. */
  chain?: CertFacts[];
  /** DER (base64) of the leaf and chain, so anyone can re-verify; public data. */
  leafDer?: string;
  chainDer?: string[];
  parseError?: string;
}

export interface FileCertData {
  file: string;
  certificates?: CertFacts[];
  error?: string;
}

export interface ChainData {
  anchorFile: string;
  verdict: ChainVerdict;
  /** What OpenSSL's verifier said in a handshake with the anchor as the only CA (includes time checks; hostname not checked). */
  openssl: { authorized: boolean; error: string | null } | { failure: string };
}

export const servedKey = (e: Endpoint) => `served ${e.resource}`;
export const chainKey = (e: Endpoint) => `chain ${e.resource}`;
export const anchorKey = (file: string) => `trust-anchor ${file}`;
export const diskCertKey = (file: string) => `cert-file ${file}`;
export const keyFileKey = (file: string) => `key-file ${file}`;
/** Local accounts (under guardrails.root) and the broker processes: who must read the key, and who can. */
export const ACCOUNTS_KEY = 'accounts';
export const BROKER_PROCESSES_KEY = 'broker-processes';
export const keyFileResource = (file: string) => `key-file ${file}`;

/** The certificates in a file, as evidence data plus the raw DER and PEM text (kept out of evidence: the facts say it). */
function readCertFile(file: string): { data: FileCertData; ders: Buffer[]; pem: string } {
  try {
    const raw = readFileSync(file);
    const { ders } = readCertificates(raw);
    return { data: { file, certificates: ders.map((d) => parseCertificate(d)) }, ders, pem: raw.toString('latin1') };
  } catch (err) {
    return { data: { file, error: `${file}: ${reasonOf(err)}` }, ders: [], pem: '' };
  }
}

type Anchors = Map<string, ReturnType<typeof readCertFile>>;

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/** The client certificate and key an endpoint needs presented (read here, never put in evidence). */
function clientIdentity(e: Endpoint, ctx: CollectContext): { cert?: string; key?: string } {
  if (!e.clientCert) return {};
  const key = ctx.secrets.has(e.clientCert.keyFile) ? ctx.secrets.get(e.clientCert.keyFile) : readFileSync(e.clientCert.keyFile, 'utf8');
  ctx.secrets.register(key);
  return { cert: readFileSync(e.clientCert.certFile, 'utf8'), key };
}

/** OpenSSL's own verdict on the served chain against the anchor (time included), for the evidence text. */
function opensslVerify(e: Endpoint, caPem: string, ctx: CollectContext, client: { cert?: string; key?: string }): Promise<ChainData['openssl']> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: e.host,
      port: e.port,
      servername: isIp(e.dialName) ? undefined : e.dialName,
      ca: caPem,
      ...client,
      rejectUnauthorized: false,
      // Hostname is BC-03's business; here only the chain is asked about.
      checkServerIdentity: () => undefined,
    });
    const done = (r: ChainData['openssl']) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => done({ failure: 'check budget ran out' });
    const timer = setTimeout(() => done({ failure: `no TLS handshake within ${ctx.stepTimeoutMs} ms` }), ctx.stepTimeoutMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => done({ authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null }));
    socket.once('error', (err) => done({ failure: reasonOf(err) }));
  });
}

async function collectEndpoint(e: Endpoint, anchors: Anchors, ctx: CollectContext): Promise<Evidence[]> {
  ctx.progress?.(`${e.resource}: served certificate`);
  const ev: Evidence[] = [];
  let client: { cert?: string; key?: string };
  try {
    client = clientIdentity(e, ctx);
  } catch (err) {
    const served: ServedData = { host: e.host, port: e.port, dialName: e.dialName, handshake: { ok: false, failure: `client certificate for the handshake unreadable: ${reasonOf(err)}` } };
    return [{ key: servedKey(e), kind: 'tls-served-certificate', resource: e.resource, data: served }];
  }
  const hs = await tlsHandshake({ host: e.host, port: e.port, servername: e.dialName, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal }, client);
  const served: ServedData = { host: e.host, port: e.port, dialName: e.dialName, handshake: hs.ok ? { ok: true, protocol: hs.protocol } : { ok: false, failure: describeFailure(hs) } };
  ev.push({ key: servedKey(e), kind: 'tls-served-certificate', resource: e.resource, data: served });
  if (!hs.ok) return ev;
  if (!hs.peerCertificateDer) {
    served.parseError = 'the server sent no certificate';
    return ev;
  }
  const leafDer = Buffer.from(hs.peerCertificateDer, 'base64');
  const chainDer = hs.peerChainDer.map((d) => Buffer.from(d, 'base64'));
  try {
    served.leaf = parseCertificate(leafDer);
    served.chain = chainDer.map((d) => parseCertificate(d));
    served.leafDer = hs.peerCertificateDer;
    served.chainDer = hs.peerChainDer;
  } catch (err) {
    served.parseError = `served certificate does not parse: ${reasonOf(err)}`;
    return ev;
  }
  const anchor = e.caFile ? anchors.get(e.caFile) : undefined;
  if (e.caFile && anchor?.data.certificates) {
    const verdict = verifyChain(leafDer, chainDer, anchor.ders);
    const openssl = await opensslVerify(e, anchor.pem, ctx, client);
    ev.push({ key: chainKey(e), kind: 'x509-chain-validation', resource: e.resource, data: { anchorFile: e.caFile, verdict, openssl } satisfies ChainData });
  }
  return ev;
}

export async function collectBrokerCert(ctx: CollectContext): Promise<Evidence[]> {
  const { config } = ctx;
  const endpoints = endpointsOf(config);
  const ev: Evidence[] = [];

  // Trust anchors and the on-disk certificate: read once, referenced per endpoint.
  const anchors: Anchors = new Map();
  for (const e of endpoints) {
    if (e.caFile && !anchors.has(e.caFile)) {
      const read = readCertFile(e.caFile);
      anchors.set(e.caFile, read);
      ev.push({ key: anchorKey(e.caFile), kind: 'x509-trust-anchor', resource: e.kind === 'broker' ? brokerResource(config.broker!) : e.resource, data: { ...read.data, where: e.caWhere } });
    }
  }
  const b = config.broker;
  if (b?.cert_file && endpoints.some((e) => e.kind === 'broker'))
    ev.push({ key: diskCertKey(b.cert_file), kind: 'x509-file', resource: brokerResource(b), data: readCertFile(b.cert_file).data });
  if (b?.key_file) {
    ev.push({ key: keyFileKey(b.key_file), kind: 'file-mode', resource: keyFileResource(b.key_file), data: statKeyFile(b.key_file) });
    // Accounts are read where the guardrails read the system (guardrails.root, default /), so fixture trees can stand in for it.
    const view = systemView(config.guardrails?.root, ctx.signal, ctx.stepTimeoutMs);
    ev.push({ key: ACCOUNTS_KEY, kind: 'local-accounts', resource: keyFileResource(b.key_file), data: await collectAccounts(view) });
    if (!b.user)
      ev.push({ key: BROKER_PROCESSES_KEY, kind: 'process-owners', resource: keyFileResource(b.key_file), data: await collectProcesses(view, { broker: config.guardrails?.process_names?.broker, relay: [] }) });
  }

  const perEndpoint = await Promise.all(endpoints.map((e) => collectEndpoint(e, anchors, ctx)));
  return [...ev, ...perEndpoint.flat()];
}
