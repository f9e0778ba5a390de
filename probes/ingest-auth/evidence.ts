// ingest-auth's evidence, declared once: the request matrix and what each
// request recorded, the plan (what was sent and what was not, with why), on
// the ingest endpoint's resource. The TCP connect and the TLS scan are the
// shared collectors' (probes/net.ts, probes/tls/scan.ts).
import { declareEvidenceFamily, declarePerResource } from '../evidence.js';
import type { HttpObservation } from '../http.js';

export { tcpEvidence } from '../net.js';
export { tlsScanEvidence } from '../tls/scan.js';
export { ingestResource } from '../resources.js';

export type CredentialKind = 'none' | 'bearer' | 'basic' | 'client-cert' | 'jwt';
export type CredentialVariant = 'none' | 'malformed' | 'wrong' | 'expired' | 'valid';

/** The request matrix, in sending order. */
export const CASES = ['no-credentials', 'malformed-credential', 'wrong-credential', 'expired-credential', 'valid-credential', 'malformed-body', 'oversized-body', 'plaintext'] as const;
export type RequestCase = (typeof CASES)[number];

export interface RequestEvidence {
  case: RequestCase;
  method: 'POST';
  /** Without userinfo or query (safeUrl). */
  url: string;
  /** What was presented: the kind and variant, never the value (for a client certificate, whose certificate: public data). */
  credential: { kind: CredentialKind; variant: CredentialVariant; certificate?: string };
  body: { shape: 'probe-json' | 'malformed-json' | 'oversized-json'; bytes: number };
  response: HttpObservation;
}

export interface PlanEvidence {
  url: string;
  probeUrl: string;
  scheme: 'http' | 'https';
  auth: CredentialKind;
  maxBodyBytes: number;
  /** Cases sent, and the ones not applicable with why. */
  sent: RequestCase[];
  notApplicable: Array<{ case: RequestCase; reason: string }>;
}

export const planEvidence = declarePerResource<PlanEvidence>({ word: 'plan', kind: 'ingest-plan' });
/** One request of the matrix: `request <case> <endpoint>`. */
export const requestEvidence = declareEvidenceFamily<{ case: RequestCase; resource: string }, RequestEvidence>({
  kind: 'http-request',
  key: (r) => `request ${r.case} ${r.resource}`,
  resource: (r) => r.resource,
});
