// `pathaudit bundle export RUN --out FILE`, `bundle verify FILE [--pubkey FILE] [--config FILE]`,
// `bundle pubkey`.
//
// Exit codes of `bundle verify`: 0 the bundle verifies, 2 usage/config error
// (unreadable file, bad --pubkey, missing store or key), 3 verification failed.
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportBundle, verifyBundle } from '../evidence/bundle.js';
import { keyFileOf, loadOrCreateKey } from '../evidence/signing.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { configError, EXIT, reasonOf, usageError } from '../errors.js';
import { openStore, storePathOf } from '../store/index.js';
import { listExports, recordExport } from '../store/exports.js';
import { refuseForeignStore } from '../store/ownership.js';
import { invocation } from './invocation.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { terminalLine } from '../reports/escape.js';
import { checkOut, toStdout, writeOutput } from './output.js';
import { resolveRun } from './runref.js';

export async function bundleExportCommand(runRef: string, flags: { out?: string; config?: string }, io: Io): Promise<number> {
  if (!flags.out) throw usageError('bundle export: --out FILE is required (the bundle is binary)');
  await checkOut(flags.out);
  const loaded = loadForCli(flags.config);
  const keyFile = keyFileOf(loaded);
  const { data, runId } = await withStore(loaded, async (store) => {
    const doc = resolveRun(store, runRef, 'bundle export');
    return { data: await exportBundle(store, doc.run.id, keyFile, { secrets: loaded.secrets, thresholds: thresholdsFrom(loaded.config) }), runId: doc.run.id };
  });
  await writeOutput(data, flags.out, io);
  const destination = toStdout(flags.out) ? 'stdout' : resolve(flags.out);
  const { fingerprint } = loadOrCreateKey(keyFile);
  // Written, so recorded: `pathaudit bundle list` names every bundle that left the gateway.
  await withStore(loaded, (store) => recordExport(store, { runId, exportedAt: new Date().toISOString(), destination, keyFingerprint: fingerprint, trigger: 'cli' }, data));
  // With `--out -` the bundle itself is on stdout: the receipt goes to stderr.
  const receipt = `bundle: run ${runId} signed with ${fingerprint} → ${destination}\n`;
  if (toStdout(flags.out)) io.stderr(receipt);
  else io.stdout(receipt);
  return 0;
}

function readPinnedKey(file: string): string {
  try {
    // A public key PEM, or the private key file itself (its public half is derived).
    return createPublicKey(readFileSync(file)).export({ type: 'spki', format: 'pem' }).toString();
  } catch (err) {
    throw usageError(`--pubkey ${file}: not a readable public or private key (${reasonOf(err)})`);
  }
}

export function bundleVerifyCommand(file: string, flags: { pubkey?: string; config?: string; format?: string }, io: Io): number {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw usageError(`bundle verify: cannot read ${file} (${reasonOf(err)})`);
  }
  let pubkeyPem = flags.pubkey ? readPinnedKey(flags.pubkey) : undefined;
  let result;
  if (flags.config) {
    const loaded = loadForCli(flags.config);
    const keyFile = keyFileOf(loaded);
    if (!pubkeyPem) {
      if (!existsSync(keyFile)) throw configError(`bundle verify --config: no gateway key at ${keyFile} (store.key_file); pass --pubkey FILE instead`);
      pubkeyPem = readPinnedKey(keyFile);
    }
    const storeFile = storePathOf(loaded.config);
    if (!existsSync(storeFile)) throw configError(`bundle verify --config: no store at ${storeFile} (store.path) to check the chain against`);
    refuseForeignStore(storeFile, invocation());
    const store = openStore(storeFile);
    try {
      result = verifyBundle(data, { pubkeyPem, store });
    } finally {
      store.close();
    }
  } else {
    result = verifyBundle(data, { pubkeyPem });
  }
  if (flags.format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const scope = [result.pinnedKey ? 'gateway key pinned' : 'embedded key only', result.chainChecked ? 'chain checked against the store' : 'chain not checked (pass --config)'].join(', ');
    if (result.ok) io.stdout(`${terminalLine(`bundle OK: run ${result.runId} · ${result.files} files · signed by ${result.keyFingerprint} · ${scope}`)}\n`);
    else {
      io.stdout(`${terminalLine(`bundle verification FAILED: run ${result.runId || '?'} · key ${result.keyFingerprint || '?'} · ${scope}`)}\n`);
      // A hostile bundle names its own files: one line each, no terminal control.
      for (const p of result.problems) io.stdout(`  ${terminalLine(p)}\n`);
    }
  }
  return result.ok ? EXIT.ok : EXIT.runFailed;
}

export async function bundleListCommand(flags: { limit?: string; format: string; config?: string }, io: Io): Promise<number> {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usageError(`--limit: expected a whole number from 1 to 500 (got "${flags.limit}")`);
  if (flags.format !== 'text' && flags.format !== 'json') throw usageError(`--format: expected text or json (got "${flags.format}")`);
  const loaded = loadForCli(flags.config);
  const page = await withStore(loaded, (store) => listExports(store, limit));
  if (flags.format === 'json') io.stdout(`${JSON.stringify({ total: page.total, limit, items: page.items }, null, 2)}\n`);
  else if (!page.items.length) io.stdout('no bundle exported yet: `pathaudit bundle export RUN --out FILE` writes one\n');
  else {
    for (const e of page.items)
      io.stdout(`${terminalLine(`${e.exportedAt}  ${e.runId}  ${e.destination}  ${e.bytes} bytes  sha256 ${e.sha256.slice(0, 16)}…  key ${e.keyFingerprint.slice(0, 23)}…  ${e.trigger}`)}\n`);
    io.stdout(`${page.items.length} of ${page.total} bundle${page.total === 1 ? '' : 's'} exported, newest first\n`);
  }
  return 0;
}

export function bundlePubkeyCommand(flags: { config?: string }, io: Io): number {
  const loaded = loadForCli(flags.config);
  // The key is made on first use next to the store: made by another account, the service could not read it.
  for (const file of [storePathOf(loaded.config), keyFileOf(loaded)]) refuseForeignStore(file, invocation());
  const key = loadOrCreateKey(keyFileOf(loaded));
  io.stdout(`# gateway signing key ${key.fingerprint} (${keyFileOf(loaded)})\n${key.publicKeyPem}`);
  return 0;
}

