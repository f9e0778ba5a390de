import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** sha256 over the RFC 8785 canonical JSON of a value: the same data always hashes the same. */
export function sha256Of(value: unknown): string {
  return createHash('sha256').update(canonicalize(value) ?? '').digest('hex');
}
