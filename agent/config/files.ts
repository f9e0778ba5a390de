// Every file and folder a config names, with what it must be, judged for the
// account the service runs as: `config validate` says before the first run
// what a run would otherwise report as `error` (a missing CA file, an
// unreadable certificate folder, a store folder the service cannot write).
//
//   certificate  a regular file the account can read, holding a PEM or DER X.509 certificate
//   key          a regular file the account can read, holding a PEM private key (content never shown)
//   secret       a regular file the account can read (content never shown)
//   readable     a regular file the account can read (the broker's log)
//   directory    a folder the account can list
//   stat         a file whose mode and owner are read, never its content (BC-09, GG-10): it exists
//                and the account can reach it
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PathauditConfig } from '../../config/schema/index.js';
import { reasonOf } from '../errors.js';
import { keyFileOf } from '../evidence/signing.js';
import { storePathOf } from '../store/index.js';
import { accessProblem, ownerAndMode, statOrNull, type Account } from './accounts.js';
import type { LoadedConfig } from './load.js';

export type FileKind = 'certificate' | 'key' | 'secret' | 'readable' | 'directory' | 'stat';

export interface NamedFile {
  /** Where the config names it: `broker.ca_file`, `devices.inventory[2].cert`. */
  where: string;
  file: string;
  kind: FileKind;
}

/** The files a config names, in config order. */
export function namedFiles(config: PathauditConfig): NamedFile[] {
  const out: NamedFile[] = [];
  const add = (where: string, file: string | undefined, kind: FileKind) => void (file && out.push({ where, file, kind }));
  const b = config.broker;
  add('broker.auth.password_file', b?.auth?.password_file, 'secret');
  add('broker.auth.cert_file', b?.auth?.cert_file, 'certificate');
  add('broker.auth.key_file', b?.auth?.key_file, 'key');
  add('broker.ca_file', b?.ca_file, 'certificate');
  add('broker.cert_file', b?.cert_file, 'certificate');
  add('broker.key_file', b?.key_file, 'stat');
  add('broker.log_file', b?.log_file, 'readable');
  const i = config.ingest;
  add('ingest.ca_file', i?.ca_file, 'certificate');
  add('ingest.auth.token_file', i?.auth?.token_file, 'secret');
  add('ingest.auth.password_file', i?.auth?.password_file, 'secret');
  add('ingest.auth.cert_file', i?.auth?.cert_file, 'certificate');
  add('ingest.auth.key_file', i?.auth?.key_file, 'key');
  add('ingest.auth.jwt_secret_file', i?.auth?.jwt_secret_file, 'secret');
  const d = config.devices;
  add('devices.ca_file', d?.ca_file, 'certificate');
  add('devices.cert_dir', d?.cert_dir, 'directory');
  d?.inventory?.forEach((dev, n) => add(`devices.inventory[${n}].cert`, dev.cert, 'certificate'));
  const g = config.guardrails;
  add('guardrails.root', g?.root, 'directory');
  // GG-10 reads these under the root (a mounted image names its own /etc).
  g?.secret_files?.forEach((f, n) => add(`guardrails.secret_files[${n}]`, g.root && g.root !== '/' ? join(g.root, f) : f, 'stat'));
  add('api.token_file', config.api?.token_file, 'secret');
  return out;
}

const PEM_KEY = /-----BEGIN (?:[A-Z0-9 ]+ )?PRIVATE KEY-----/;

/** What is wrong with one named file for `who`, or null. */
function problemOf(f: NamedFile, who: Account): string | null {
  const st = statOrNull(f.file);
  if (!st) {
    // A folder on the way that this process cannot enter hides the file: say so.
    const hidden = statOrNull(dirname(f.file)) ? accessProblem(dirname(f.file), who, 'x') : null;
    return `${f.where}: ${f.file} does not exist${hidden ? ` or is hidden: ${hidden}` : ''}`;
  }
  if (f.kind === 'directory') {
    if (!st.isDirectory()) return `${f.where}: ${f.file} is not a directory`;
    const denied = accessProblem(f.file, who, 'rx');
    return denied ? `${f.where}: ${f.file} is ${denied}` : null;
  }
  if (!st.isFile()) return `${f.where}: ${f.file} is not a regular file`;
  if (f.kind === 'stat') {
    const denied = accessProblem(dirname(f.file), who, 'x');
    return denied ? `${f.where}: ${f.file}: ${denied}` : null;
  }
  const denied = accessProblem(f.file, who, 'r');
  if (denied) return `${f.where}: ${f.file} is ${denied}`;
  if (f.kind !== 'certificate' && f.kind !== 'key') return null;
  let bytes: Buffer;
  try {
    bytes = readFileSync(f.file);
  } catch (err) {
    return `${f.where}: cannot read ${f.file} (${reasonOf(err)})`;
  }
  if (f.kind === 'key') return PEM_KEY.test(bytes.toString('latin1')) ? null : `${f.where}: ${f.file} holds no PEM private key`;
  try {
    new X509Certificate(bytes);
    return null;
  } catch {
    return `${f.where}: ${f.file} is not a PEM or DER X.509 certificate`;
  }
}

/**
 * The store's folder must exist and be writable by the service; an existing
 * store file and signing key must be its to write and read.
 */
function storeProblems(loaded: LoadedConfig, who: Account): string[] {
  const file = storePathOf(loaded.config);
  const folder = dirname(file);
  const out: string[] = [];
  const dirSt = statOrNull(folder);
  if (!dirSt) return [`store.path: the folder ${folder} does not exist (create it, or run \`pathaudit run --init\` as ${who.name})`];
  if (!dirSt.isDirectory()) return [`store.path: ${folder} is not a directory`];
  const denied = accessProblem(folder, who, 'wx');
  if (denied) out.push(`store.path: the folder ${folder} is ${denied}`);
  const st = statOrNull(file);
  if (st && st.uid !== who.uid) out.push(`store.path: ${file} belongs to ${ownerAndMode(st)}, not to ${who.name}: the service could not write it`);
  else if (st) {
    const unwritable = accessProblem(file, who, 'w');
    if (unwritable) out.push(`store.path: ${file} is ${unwritable}`);
  }
  const key = keyFileOf(loaded);
  const unreadableKey = statOrNull(key) ? accessProblem(key, who, 'r') : null;
  if (unreadableKey) out.push(`store.key_file: ${key} is ${unreadableKey}`);
  return out;
}

/** Every problem with the files and folders the config names, for the account `who`. */
export function fileProblems(loaded: LoadedConfig, who: Account): string[] {
  return [...namedFiles(loaded.config).flatMap((f) => problemOf(f, who) ?? []), ...storeProblems(loaded, who)];
}
