// The gateway's signing key: Ed25519 (RFC 8032) through node:crypto. Made on
// first use, private part 0600 in a 0700 folder; bundles carry the public key
// and its fingerprint so they verify on their own, and `--pubkey` pins it.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { PathauditError, reasonOf } from '../errors.js';
import { storePathOf } from '../store/index.js';

export interface LoadedKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo: what an operator compares and pins. */
  fingerprint: string;
}

export const DEFAULT_KEY_NAME = 'gateway-key.pem';

/** The key file: config `store.key_file`, else next to the store file. */
export function keyFileOf(loaded: LoadedConfig): string {
  const configured = loaded.config.store?.key_file;
  if (configured) return resolve(configured);
  return join(dirname(storePathOf(loaded.config)), DEFAULT_KEY_NAME);
}

export function fingerprintOfPublicKey(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return `sha256:${createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

function keyError(file: string, what: string): PathauditError {
  return new PathauditError('PATHAUDIT_ERR_CONFIG', `signing key ${file}: ${what}`);
}

/** Loads the gateway key, creating it (0600, folder 0700) when the file does not exist yet. */
export function loadOrCreateKey(keyFile: string): LoadedKey {
  const file = resolve(keyFile);
  let privateKey: KeyObject;
  if (!existsSync(file)) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const pair = generateKeyPairSync('ed25519');
      // Written whole to a temp file, then hard-linked into place: a crash
      // leaves either no key or a complete one (never an empty file), and the
      // link fails with EEXIST rather than overwrite a key another process made.
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      try {
        linkSync(tmp, file);
      } finally {
        rmSync(tmp, { force: true });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw keyError(file, `cannot create: ${reasonOf(err)}`);
    }
  }
  try {
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0) throw keyError(file, `is readable or writable by group/other (mode ${(statSync(file).mode & 0o777).toString(8)}); chmod 600 it`);
    privateKey = createPrivateKey(readFileSync(file));
  } catch (err) {
    if (err instanceof PathauditError) throw err;
    throw keyError(file, `cannot read: ${reasonOf(err)}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw keyError(file, `is a ${privateKey.asymmetricKeyType} key; expected ed25519`);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOfPublicKey(publicKey),
  };
}

export function signBytes(key: LoadedKey, data: Buffer): Buffer {
  return sign(null, data, key.privateKey);
}

export function verifyBytes(publicKeyPem: string, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
