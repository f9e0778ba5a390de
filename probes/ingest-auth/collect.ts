// ingest-auth collection: a small, recognisable request matrix against the
// configured ingest endpoint, plus its TLS posture when it is HTTPS.
//
// Every probe request carries `X-Pathaudit-Probe: 1` and a JSON body marked
// `"pathaudit_probe": true` with synthetic content only, so a relay can answer
// it normally and drop it from forwarding (see agent/lab/relay.ts). The
// requests are sent one at a time: the matrix is small and an ingest edge on
// a Pi should not see a burst from its own auditor.
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PathauditConfig } from '../../config/schema/index.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../config/schema/defaults.js';
import { httpRequest, safeUrl } from '../http.js';
import { tcpConnect } from '../net.js';
import type { TlsTarget } from '../tls.js';
import { scanTls } from '../tls/scan.js';
import type { CollectContext, Evidence } from '../types.js';
import {
  CASES,
  ingestResource,
  planEvidence,
  requestEvidence,
  tcpEvidence,
  tlsScanEvidence,
  type CredentialKind,
  type CredentialVariant,
  type PlanEvidence,
  type RequestCase,
  type RequestEvidence,
} from './evidence.js';
import { hs256Jwt } from './jwt.js';
import { strangerClientCertificate } from './stranger-cert.js';

export type IngestConfig = NonNullable<PathauditConfig['ingest']>;

export const PROBE_HEADER = 'X-Pathaudit-Probe';
/** Extra bytes beyond `max_body_bytes` in the oversized-body request. */
export const OVERSIZE_MARGIN = 1024;
/** Lifetime of the valid JWT the probe mints, and how far in the past the expired one ended. */
export const JWT_TTL_S = 300;
export const JWT_EXPIRED_AGO_S = 3600;

interface Credential {
  kind: CredentialKind;
  variant: CredentialVariant;
  headers: Record<string, string>;
  cert?: string;
  key?: string;
  /** Client certificates: who it names and who issued it, for evidence. */
  certificate?: string;
  /** Values never to appear in the evidence of this request. */
  secrets: string[];
}

const randomToken = () => randomBytes(24).toString('base64url');

function readSecret(ctx: CollectContext, file: string): string {
  if (ctx.secrets.has(file)) return ctx.secrets.get(file);
  // Secret files the config loader does not know yet are read here, once, and
  // registered so the runner's scrubber knows their value too.
  const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (!value) throw new Error(`secret file ${file} is empty`);
  ctx.secrets.register(value);
  return value;
}

/** Every credential variant the configured scheme allows; a missing variant is listed with the reason. */
async function credentialsFor(ingest: IngestConfig, ctx: CollectContext): Promise<{ creds: Map<CredentialVariant, Credential>; notApplicable: Array<{ variant: CredentialVariant; reason: string }> }> {
  const creds = new Map<CredentialVariant, Credential>();
  const notApplicable: Array<{ variant: CredentialVariant; reason: string }> = [];
  creds.set('none', { kind: 'none', variant: 'none', headers: {}, secrets: [] });
  const auth = ingest.auth;
  if (!auth) {
    for (const v of ['malformed', 'wrong', 'expired', 'valid'] as const) notApplicable.push({ variant: v, reason: 'no credential configured (ingest.auth)' });
    return { creds, notApplicable };
  }
  const need = (value: string | undefined, key: string) => {
    if (!value) throw new Error(`ingest.auth.${key} is required for auth type ${auth.type}`);
    return value;
  };
  const bearer = (kind: CredentialKind, variant: CredentialVariant, value: string, secrets: string[]): Credential => ({
    kind,
    variant,
    headers: { authorization: `Bearer ${value}` },
    secrets: [...secrets, value],
  });
  switch (auth.type) {
    case 'bearer': {
      const token = readSecret(ctx, need(auth.token_file, 'token_file'));
      let wrong = randomToken();
      while (wrong === token) wrong = randomToken();
      // RFC 6750 §2.1: b64token has no '?' or spaces, so this cannot be a token of any relay.
      creds.set('malformed', { kind: 'bearer', variant: 'malformed', headers: { authorization: 'Bearer ?pathaudit malformed?' }, secrets: [token] });
      creds.set('wrong', bearer('bearer', 'wrong', wrong, [token]));
      creds.set('valid', bearer('bearer', 'valid', token, [token]));
      notApplicable.push({ variant: 'expired', reason: 'static bearer tokens carry no expiry' });
      break;
    }
    case 'basic': {
      const user = need(auth.username, 'username');
      const password = readSecret(ctx, need(auth.password_file, 'password_file'));
      const basic = (pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
      let wrong = randomToken();
      while (wrong === password) wrong = randomToken();
      const validHeader = basic(password);
      ctx.secrets.register(validHeader.slice(6));
      creds.set('malformed', { kind: 'basic', variant: 'malformed', headers: { authorization: 'Basic ?not-base64?' }, secrets: [password] });
      creds.set('wrong', { kind: 'basic', variant: 'wrong', headers: { authorization: basic(wrong) }, secrets: [password, wrong] });
      creds.set('valid', { kind: 'basic', variant: 'valid', headers: { authorization: validHeader }, secrets: [password, validHeader.slice(6)] });
      notApplicable.push({ variant: 'expired', reason: 'basic credentials carry no expiry' });
      break;
    }
    case 'jwt': {
      const key = readSecret(ctx, need(auth.jwt_secret_file, 'jwt_secret_file'));
      const now = Math.floor(Date.now() / 1000);
      const claims = { ...auth.jwt_claims, jti: `pathaudit-probe-${randomBytes(6).toString('hex')}` };
      const valid = hs256Jwt({ ...claims, iat: now, exp: now + JWT_TTL_S }, key);
      const expired = hs256Jwt({ ...claims, iat: now - JWT_EXPIRED_AGO_S - JWT_TTL_S, exp: now - JWT_EXPIRED_AGO_S }, key);
      const wrong = hs256Jwt({ ...claims, iat: now, exp: now + JWT_TTL_S }, randomToken());
      for (const v of [valid, expired]) ctx.secrets.register(v);
      creds.set('malformed', { kind: 'jwt', variant: 'malformed', headers: { authorization: 'Bearer not-a-jwt' }, secrets: [key] });
      creds.set('wrong', bearer('jwt', 'wrong', wrong, [key]));
      creds.set('expired', bearer('jwt', 'expired', expired, [key]));
      creds.set('valid', bearer('jwt', 'valid', valid, [key]));
      break;
    }
    case 'client-cert': {
      const cert = readFileSync(need(auth.cert_file, 'cert_file'), 'utf8');
      const key = readSecret(ctx, need(auth.key_file, 'key_file'));
      let named = 'the configured certificate';
      try {
        const x = new X509Certificate(cert);
        named = `${x.subject.replace(/\n/g, ', ')} issued by ${x.issuer.replace(/\n/g, ', ')}`;
      } catch {
        /* validated at load; the label is only for evidence */
      }
      creds.set('valid', { kind: 'client-cert', variant: 'valid', headers: {}, cert, key, certificate: named, secrets: [key] });
      // The wrong credential: the same kind of certificate from a CA nobody trusts.
      const stranger = await strangerClientCertificate();
      creds.set('wrong', { kind: 'client-cert', variant: 'wrong', headers: {}, cert: stranger.certPem, key: stranger.keyPem, certificate: `${stranger.subject} issued by ${stranger.issuer} (made for this run: a CA the relay does not trust)`, secrets: [key, stranger.keyPem] });
      notApplicable.push(
        { variant: 'malformed', reason: 'client certificates: a malformed certificate never leaves the client (the TLS library refuses it)' },
        { variant: 'expired', reason: 'client certificates: an expired one would need the key of the configured CA, which the probe does not hold' },
      );
      break;
    }
  }
  return { creds, notApplicable };
}

function probeBody(kase: RequestCase, shape: RequestEvidence['body']['shape'], maxBodyBytes: number): Buffer {
  const base = { pathaudit_probe: true, probe: 'ingest-auth', case: kase, note: 'synthetic audit request: answer it, do not forward it' };
  if (shape === 'malformed-json') return Buffer.from(`${JSON.stringify(base).slice(0, -1)}, "payload": `);
  if (shape === 'probe-json') return Buffer.from(JSON.stringify(base));
  const target = maxBodyBytes + OVERSIZE_MARGIN;
  const skeleton = JSON.stringify({ ...base, padding: '' });
  return Buffer.from(JSON.stringify({ ...base, padding: 'x'.repeat(Math.max(0, target - skeleton.length)) }));
}

/** Which credential each case presents, and its body shape. */
const CASE_SHAPE: Record<Exclude<RequestCase, 'plaintext'>, { variant: CredentialVariant; body: RequestEvidence['body']['shape'] }> = {
  'no-credentials': { variant: 'none', body: 'probe-json' },
  'malformed-credential': { variant: 'malformed', body: 'probe-json' },
  'wrong-credential': { variant: 'wrong', body: 'probe-json' },
  'expired-credential': { variant: 'expired', body: 'probe-json' },
  'valid-credential': { variant: 'valid', body: 'probe-json' },
  // Body robustness needs a request the relay would otherwise accept: else a 401 says nothing about parsing.
  'malformed-body': { variant: 'valid', body: 'malformed-json' },
  'oversized-body': { variant: 'valid', body: 'oversized-json' },
};

// The served certificate is not read here: broker-cert judges it (BC-01..08 on the same resource).
async function collectTls(url: URL, ingest: IngestConfig, resource: string, ctx: CollectContext): Promise<Evidence[]> {
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const target: TlsTarget = { host, port, servername: ingest.servername ?? host, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal };
  const ev: Evidence[] = [];
  // Enumerated from ServerHellos, which come before any client certificate: this works on an mTLS-only relay too.
  // The served certificate is broker-cert's to judge (one finding per defect).
  ctx.progress?.(`${resource}: TLS versions and cipher suites`);
  ev.push(tlsScanEvidence.of(resource, await scanTls(target)));
  return ev;
}

async function send(kase: RequestCase, url: URL, cred: Credential, shape: RequestEvidence['body']['shape'], maxBodyBytes: number, ingest: IngestConfig, ctx: CollectContext): Promise<RequestEvidence> {
  const body = probeBody(kase, shape, maxBodyBytes);
  ctx.progress?.(`${safeUrl(url)}: ${kase}`);
  const response = await httpRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', [PROBE_HEADER]: '1', 'user-agent': 'pathaudit-probe', ...cred.headers },
    body,
    timeoutMs: ctx.stepTimeoutMs,
    signal: ctx.signal,
    servername: ingest.servername,
    cert: cred.cert,
    key: cred.key,
    redact: cred.secrets,
  });
  return { case: kase, method: 'POST', url: safeUrl(url), credential: { kind: cred.kind, variant: cred.variant, ...(cred.certificate ? { certificate: cred.certificate } : {}) }, body: { shape, bytes: body.length }, response };
}

export async function collectIngestAuth(ctx: CollectContext): Promise<Evidence[]> {
  const ingest = ctx.config.ingest!;
  const resource = ingestResource(ingest.url);
  const url = new URL(ingest.url);
  const probeUrl = new URL(url);
  probeUrl.search = '';
  if (ingest.probe_path) probeUrl.pathname = ingest.probe_path;
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const maxBodyBytes = ingest.max_body_bytes ?? DEFAULT_MAX_BODY_BYTES;
  const ev: Evidence[] = [];

  const { creds, notApplicable: missing } = await credentialsFor(ingest, ctx);
  const notApplicable: PlanEvidence['notApplicable'] = [];
  const sent: RequestCase[] = [];
  for (const kase of CASES) {
    if (kase === 'plaintext') {
      if (https) sent.push(kase);
      else notApplicable.push({ case: kase, reason: 'the URL itself is plain http: every request above is the plaintext observation' });
      continue;
    }
    const variant = CASE_SHAPE[kase].variant;
    const m = missing.find((x) => x.variant === variant);
    if (m && !(variant === 'valid' && (kase === 'malformed-body' || kase === 'oversized-body'))) notApplicable.push({ case: kase, reason: m.reason });
    else sent.push(kase);
  }

  ctx.progress?.(`${resource}: TCP`);
  const tcp = await tcpConnect(host, port, ctx.stepTimeoutMs, ctx.signal);
  ev.push(tcpEvidence.of(resource, { host, port, ...tcp }));
  ev.push(planEvidence.of(resource, { url: safeUrl(url), probeUrl: safeUrl(probeUrl), scheme: https ? 'https' : 'http', auth: ingest.auth?.type ?? 'none', maxBodyBytes, sent, notApplicable }));
  if (!tcp.reachable) return ev;

  const tlsTask = https ? collectTls(url, ingest, resource, ctx) : Promise.resolve([]);
  const requests = (async () => {
    const out: Evidence[] = [];
    for (const kase of sent) {
      if (ctx.signal.aborted) break;
      let r: RequestEvidence;
      if (kase === 'plaintext') {
        // Never a credential over plaintext: the question is only whether the port answers HTTP.
        const plain = new URL(probeUrl);
        plain.protocol = 'http:';
        plain.port = String(port);
        r = await send(kase, plain, creds.get('none')!, 'probe-json', maxBodyBytes, ingest, ctx);
      } else {
        const shape = CASE_SHAPE[kase];
        // Without a configured credential the body cases go without one: the relay then judges the body first.
        const cred = creds.get(shape.variant) ?? creds.get('none')!;
        r = await send(kase, probeUrl, cred, shape.body, maxBodyBytes, ingest, ctx);
      }
      out.push(requestEvidence.of({ case: kase, resource }, r));
    }
    return out;
  })();
  const [tlsEv, reqEv] = await Promise.all([tlsTask, requests]);
  ev.push(...reqEv, ...tlsEv);
  return ev;
}
