// The wrong credential of client-certificate auth: a client certificate from
// a CA no relay trusts, made at run time (never stored, never reused). A relay
// that accepts it checks that a certificate is presented, not who issued it.
// @peculiar/x509 is loaded only here, and only for client-cert configs.
import { webcrypto } from 'node:crypto';

export interface StrangerCertificate {
  /** Leaf then issuing CA, PEM: the chain a device of another fleet would present. */
  certPem: string;
  keyPem: string;
  subject: string;
  issuer: string;
}

export async function strangerClientCertificate(subjectCn = 'pathaudit-probe'): Promise<StrangerCertificate> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const gen = () => webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const [caKeys, leafKeys] = await Promise.all([gen(), gen()]);
  const now = Date.now();
  const issuer = 'CN=pathaudit untrusted probe CA';
  const subject = `CN=${subjectCn}, O=pathaudit untrusted probe`;
  const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex');
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: issuer,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86_400_000),
    keys: caKeys as never,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86_400_000),
    publicKey: leafKeys.publicKey as never,
    signingKey: caKeys.privateKey as never,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  return { certPem: `${leaf.toString('pem')}\n${ca.toString('pem')}\n`, keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), subject, issuer };
}
