// A client certificate and its key, checked at load time: a pair the probe
// cannot use would otherwise surface mid-run as a TLS error that reads like
// the server's doing. The key is a secret: it is read through the SecretStore
// and only ever handed to node:crypto, never echoed in a problem line.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { reasonOf } from '../errors.js';

/** Encrypted PEM keys: PKCS#8 `ENCRYPTED PRIVATE KEY`, or the legacy OpenSSL `Proc-Type: 4,ENCRYPTED` header. */
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:\s*4,ENCRYPTED/m;

export interface KeyPairFiles {
  certFile: string;
  certWhere: string;
  keyFile: string;
  keyWhere: string;
}

/**
 * Problem lines for a certificate + key pair (empty when usable). `keyPem` is
 * the key's content, already loaded as a secret.
 */
export function keyPairProblems(f: KeyPairFiles, keyPem: string): string[] {
  let certBytes: Buffer;
  try {
    certBytes = readFileSync(f.certFile);
  } catch (err) {
    return [`${f.certWhere}: cannot read certificate ${f.certFile} (${reasonOf(err)})`];
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certBytes);
  } catch {
    return [`${f.certWhere}: ${f.certFile} is not a PEM or DER X.509 certificate`];
  }
  if (ENCRYPTED_PEM.test(keyPem)) return [`${f.keyWhere}: key file ${f.keyFile} is encrypted: the probe cannot prompt for a passphrase (store it unencrypted, mode 0600)`];
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE') return [`${f.keyWhere}: key file ${f.keyFile} is encrypted: the probe cannot prompt for a passphrase (store it unencrypted, mode 0600)`];
    // The OpenSSL reason only: the message never quotes the key.
    return [`${f.keyWhere}: key file ${f.keyFile} holds no readable private key (${code ?? 'unparseable'})`];
  }
  if (!cert.checkPrivateKey(key)) return [`${f.keyWhere}: key file ${f.keyFile} does not match the certificate ${f.certFile} (${f.certWhere})`];
  return [];
}
