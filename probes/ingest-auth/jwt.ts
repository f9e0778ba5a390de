// HS256 JSON Web Tokens (RFC 7519, JWS compact form per RFC 7515 §7.1) with
// node:crypto only: the probe mints the valid and the expired credential for
// `ingest.auth.type: jwt` from the relay's key. Signing only — verifying is
// the relay's job (the lab relay has its own verifier on purpose, so a bug
// here cannot cancel out a bug there).
import { createHmac } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function hs256Jwt(claims: Record<string, unknown>, key: string): string {
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(createHmac('sha256', key).update(signingInput).digest())}`;
}
