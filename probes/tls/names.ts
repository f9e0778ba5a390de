// DistinguishedName DER → "CN=…, O=…" for the CA names a CertificateRequest
// lists. Loaded only when a server does list some (scan.ts imports it
// lazily): the ASN.1 library is heavy to load for a check that rarely needs it.
import 'reflect-metadata';
import { Name } from '@peculiar/x509';

export function decodeNames(ders: Buffer[]): string[] {
  return ders.map((der) => {
    try {
      return new Name(der).toString();
    } catch (err) {
      return `undecodable name (${(err as Error).message}; DER ${der.subarray(0, 16).toString('hex')}…)`;
    }
  });
}
