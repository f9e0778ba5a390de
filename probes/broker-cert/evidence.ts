// broker-cert's evidence, declared once: the TLS endpoints of the path and
// their resource ids, and what collect records about each (the served
// certificate, its chain to the anchor), about the files the config names
// (trust anchor, certificate on disk, key file) and about who may read the
// key (the shared accounts and process-owner collectors).
import type { PathauditConfig } from '../../config/schema/index.js';
import { declareEvidenceFamily, declarePerResource } from '../evidence.js';
import { FILE_MODE_KIND, type KeyFileData } from '../file-mode.js';
import { PROCESS_OWNERS_KIND, type ProcessesEvidence } from '../processes.js';
import { brokerResource, ingestResource, listenerResource } from '../resources.js';
import { TRUST_ANCHOR_KIND, type CertFacts, type CertFileData, type ChainVerdict } from '../x509.js';

export { accountsEvidence } from '../accounts.js';

/** One TLS endpoint whose served certificate is judged. */
export interface Endpoint {
  kind: 'broker' | 'ingest';
  /** The endpoint's own resource: the listener (as broker-transport names it) or the ingest endpoint (as ingest-auth does). */
  resource: string;
  /** What its trust anchor and certificate file belong to: the broker for its listeners, the endpoint itself for ingest. */
  ownerResource: string;
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

export function endpointsOf(config: PathauditConfig): Endpoint[] {
  const out: Endpoint[] = [];
  const b = config.broker;
  if (b) {
    for (const l of b.listeners.filter((x) => x.tls)) {
      const host = l.host ?? b.host;
      out.push({ kind: 'broker', resource: listenerResource(l, host), ownerResource: brokerResource(b), host, port: l.port, dialName: b.servername ?? host, caFile: b.ca_file, caWhere: 'broker.ca_file', certFile: b.cert_file });
    }
  }
  const i = config.ingest;
  if (i && i.url.startsWith('https://')) {
    const u = new URL(i.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const a = i.auth;
    const clientCert = a?.type === 'client-cert' && a.cert_file && a.key_file ? { certFile: a.cert_file, keyFile: a.key_file } : undefined;
    const resource = ingestResource(i.url);
    out.push({ kind: 'ingest', resource, ownerResource: resource, host, port: Number(u.port || 443), dialName: i.servername ?? host, caFile: i.ca_file, caWhere: 'ingest.ca_file', clientCert });
  }
  return out;
}

/** Where BC-01..08 report when the path has no TLS endpoint, and BC-09 without a key file. */
export const pathResourceOf = (config: PathauditConfig) => (config.broker ? brokerResource(config.broker) : 'broker-cert');

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

export interface ChainData {
  anchorFile: string;
  verdict: ChainVerdict;
  /** What OpenSSL's verifier said in a handshake with the anchor as the only CA (includes time checks; hostname not checked). */
  openssl: { authorized: boolean; error: string | null } | { failure: string };
}

type WithFile<K extends 'caFile' | 'certFile'> = Endpoint & Required<Pick<Endpoint, K>>;

export const keyFileResource = (file: string) => `key-file ${file}`;

export const servedEvidence = declarePerResource<ServedData>({ word: 'served', kind: 'tls-served-certificate' });
export const chainEvidence = declarePerResource<ChainData>({ word: 'chain', kind: 'x509-chain-validation' });
/** The anchor file, read once however many endpoints name it, on the resource of the first that does. */
export const anchorEvidence = declareEvidenceFamily<WithFile<'caFile'>, CertFileData & { where: string }>({
  kind: TRUST_ANCHOR_KIND,
  key: (e) => `trust-anchor ${e.caFile}`,
  resource: (e) => e.ownerResource,
});
export const diskCertEvidence = declareEvidenceFamily<WithFile<'certFile'>, CertFileData>({ kind: 'x509-file', key: (e) => `cert-file ${e.certFile}`, resource: (e) => e.ownerResource });
/** The key file's mode, on its own resource (BC-09); keyed by the file. */
export const keyFileEvidence = declareEvidenceFamily<string, KeyFileData>({ kind: FILE_MODE_KIND, key: keyFileResource, resource: keyFileResource });
/** The running broker processes, whose owner must read the key (when broker.user does not say). */
export const brokerProcessesEvidence = declareEvidenceFamily<string, ProcessesEvidence>({ kind: PROCESS_OWNERS_KIND, key: () => 'broker-processes', resource: keyFileResource });
