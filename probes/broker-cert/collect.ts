// broker-cert: the certificate each TLS endpoint of the path actually serves.
// Endpoints are every TLS broker listener and, when it is https, the ingest
// endpoint. Files named in the config (trust anchor, certificate on disk, key)
// are read here; of the key only stat() is ever taken, never its bytes.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { accountsEvidence, collectAccounts } from '../accounts.js';
import { statKeyFile } from '../file-mode.js';
import { collectProcesses } from '../processes.js';
import { reasonOf } from '../reason.js';
import { systemView } from '../system.js';
import { describeFailure, tlsHandshake } from '../tls.js';
import type { CollectContext, Evidence } from '../types.js';
import { parseCertificate, readCertificates, verifyChain, type CertFileData } from '../x509.js';
import {
  anchorEvidence,
  brokerProcessesEvidence,
  chainEvidence,
  diskCertEvidence,
  endpointsOf,
  keyFileEvidence,
  keyFileResource,
  servedEvidence,
  type ChainData,
  type Endpoint,
  type ServedData,
} from './evidence.js';

/** The certificates in a file, as evidence data plus the raw DER and PEM text (kept out of evidence: the facts say it). */
function readCertFile(file: string): { data: CertFileData; ders: Buffer[]; pem: string } {
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
    return [servedEvidence.of(e.resource, served)];
  }
  const hs = await tlsHandshake({ host: e.host, port: e.port, servername: e.dialName, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal }, client);
  const served: ServedData = { host: e.host, port: e.port, dialName: e.dialName, handshake: hs.ok ? { ok: true, protocol: hs.protocol } : { ok: false, failure: describeFailure(hs) } };
  ev.push(servedEvidence.of(e.resource, served));
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
    ev.push(chainEvidence.of(e.resource, { anchorFile: e.caFile, verdict, openssl } satisfies ChainData));
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
      ev.push(anchorEvidence.of({ ...e, caFile: e.caFile }, { ...read.data, where: e.caWhere }));
    }
  }
  // One file for every broker listener: read once, on the broker's resource.
  const onDisk = endpoints.find((e) => e.kind === 'broker' && e.certFile);
  if (onDisk?.certFile) ev.push(diskCertEvidence.of({ ...onDisk, certFile: onDisk.certFile }, readCertFile(onDisk.certFile).data));
  const b = config.broker;
  if (b?.key_file) {
    ev.push(keyFileEvidence.of(b.key_file, statKeyFile(b.key_file)));
    // Accounts are read where the guardrails read the system (guardrails.root, default /), so fixture trees can stand in for it.
    const view = systemView(config.guardrails?.root, ctx.signal, ctx.stepTimeoutMs);
    ev.push(accountsEvidence.of(keyFileResource(b.key_file), await collectAccounts(view)));
    if (!b.user) ev.push(brokerProcessesEvidence.of(b.key_file, await collectProcesses(view, { broker: config.guardrails?.process_names?.broker, relay: [] })));
  }

  const perEndpoint = await Promise.all(endpoints.map((e) => collectEndpoint(e, anchors, ctx)));
  return [...ev, ...perEndpoint.flat()];
}
