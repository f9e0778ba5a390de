// Signed evidence bundles (README: Security model, "How evidence is signed"): a .tar.gz anyone can
// re-verify without pathaudit's store.
//
//   manifest.json   every file's sha256 and size, agent version, config hash
//                   (config paths only: secret values are never part of it),
//                   run hash, previous-run hash, the public key + fingerprint
//   manifest.sig    Ed25519 signature over the exact manifest.json bytes (base64)
//   run.json        the run document (the JSON contract)
//   report.md, report.html
//   evidence/*.json one evidence record per file
//
// Verification on the file alone: signature with the embedded key, every
// file's hash, no file missing or extra, run.json hashes to the run hash,
// evidence matches run.json. With a pinned key and/or the store: the signer is
// the gateway key, and the run and its previous-run link match the store.
import { createPublicKey } from 'node:crypto';
import { createHash } from 'node:crypto';
import { PathauditError, notFound, reasonOf } from '../errors.js';
import { renderReport } from '../reports/index.js';
import type { EvidenceRecord, RunDocument } from '../runner/document.js';
import { sha256Of } from './hash.js';
import type { DecisionThresholds } from './summary.js';
import type { Store } from '../store/index.js';
import { hashRun } from '../store/runs.js';
import { AGENT_VERSION } from '../version.js';
import { fingerprintOfPublicKey, loadOrCreateKey, signBytes, verifyBytes } from './signing.js';
import { readTarGz, writeTarGz, type TarFile } from './tarball.js';

export const BUNDLE_FORMAT = 'pathaudit-evidence-bundle/1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  /** The agent that exported the bundle (the run's own agent version is in `run`). */
  agentVersion: string;
  runId: string;
  gatewayId: string;
  bundle: string;
  run: { status: string; startedAt: string; finishedAt: string | null; agentVersion: string };
  configHash: string;
  runHash: string;
  previousHash: string | null;
  signing: { algorithm: 'Ed25519'; publicKey: string; fingerprint: string };
  files: ManifestFile[];
}

export interface BundleVerification {
  ok: boolean;
  problems: string[];
  /** Fingerprint of the key the manifest is signed with ('' when unreadable). */
  keyFingerprint: string;
  runId: string;
  /** What was checked beyond the file itself. */
  pinnedKey?: boolean;
  chainChecked?: boolean;
  files?: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);

/** `evidence/007-broker-transport_tcp_mqtt_127.0.0.1_1883.json`: ordered, unique, readable, short enough for ustar. */
export function evidenceFileName(index: number, e: Pick<EvidenceRecord, 'id'>): string {
  const slug = e.id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 72);
  return `evidence/${String(index + 1).padStart(3, '0')}-${slug}.json`;
}

/** Refuses to sign a run whose stored content no longer matches its hash. */
function assertIntact(doc: RunDocument): void {
  if (!doc.run.hash) throw new PathauditError('PATHAUDIT_ERR_BUNDLE', `run ${doc.run.id} is ${doc.run.status} and has no hash yet: only finished runs can be exported`);
  const problems: string[] = [];
  if (hashRun(doc) !== doc.run.hash) problems.push(`run ${doc.run.id}: stored content does not match its hash`);
  for (const e of doc.evidence) if (sha256Of(e.data) !== e.sha256) problems.push(`evidence ${e.id}: data does not match its sha256`);
  if (problems.length) throw new PathauditError('PATHAUDIT_ERR_BUNDLE', `refusing to sign run ${doc.run.id}: the store was altered`, problems);
}

/**
 * A last line of defence: evidence is scrubbed when a run is recorded, but a
 * bundle leaves the gateway, so it is never written if any file holds a known
 * secret value (the file is named, the value never printed).
 */
function assertNoSecrets(files: TarFile[], secrets: { values(): string[] } | undefined): void {
  const values = secrets?.values() ?? [];
  const leaks = files.filter((f) => values.some((v) => f.data.includes(v))).map((f) => `${f.path}: holds a secret value from the config`);
  if (leaks.length) throw new PathauditError('PATHAUDIT_ERR_BUNDLE', 'refusing to export a bundle that contains a secret', leaks);
}

// Promise-returning although the work is synchronous today (tar and gzip in
// memory): the API, the CLI and the tests await it and see a refusal (no such
// run, an altered run, a secret in it) as a rejection, never a synchronous throw.
// eslint-disable-next-line @typescript-eslint/require-await -- the rejection is the contract (see above)
export async function exportBundle(
  store: Store,
  runId: string,
  keyFile: string,
  opts: { secrets?: { values(): string[] }; thresholds?: Partial<DecisionThresholds> } = {},
): Promise<Buffer> {
  const doc = store.runs.get(runId);
  if (!doc) throw notFound(`bundle export: no run ${runId} in the store`);
  assertIntact(doc);
  const key = loadOrCreateKey(keyFile);
  const files: TarFile[] = [
    { path: 'run.json', data: json(doc) },
    { path: 'report.md', data: Buffer.from(renderReport(doc, 'md', { store, thresholds: opts.thresholds }).body) },
    { path: 'report.html', data: Buffer.from(renderReport(doc, 'html', { store, thresholds: opts.thresholds }).body) },
    ...doc.evidence.map((e, i) => ({ path: evidenceFileName(i, e), data: json(e) })),
  ];
  assertNoSecrets(files, opts.secrets);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    createdAt: new Date().toISOString(),
    agentVersion: AGENT_VERSION,
    runId: doc.run.id,
    gatewayId: doc.run.gatewayId,
    bundle: doc.run.bundle,
    run: { status: doc.run.status, startedAt: doc.run.startedAt, finishedAt: doc.run.finishedAt, agentVersion: doc.run.agentVersion },
    configHash: doc.run.configHash,
    runHash: doc.run.hash!,
    previousHash: doc.run.previousHash,
    signing: { algorithm: 'Ed25519', publicKey: key.publicKeyPem, fingerprint: key.fingerprint },
    files: files.map((f) => ({ path: f.path, sha256: sha256(f.data), bytes: f.data.length })),
  };
  const manifestBytes = json(manifest);
  const signature = Buffer.from(`${signBytes(key, manifestBytes).toString('base64')}\n`);
  const mtime = new Date(doc.run.finishedAt ?? doc.run.startedAt);
  return writeTarGz([{ path: MANIFEST, data: manifestBytes }, { path: SIGNATURE, data: signature }, ...files], mtime);
}

/** A value a hostile or damaged bundle may omit, as a message shows it: never `undefined`. */
const told = (v: unknown): string => (typeof v === 'string' && v ? v : '(none: the field is missing)');

function parseManifest(bytes: Buffer, problems: string[]): BundleManifest | null {
  let m: BundleManifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as BundleManifest;
  } catch (err) {
    problems.push(`${MANIFEST}: not valid JSON (${reasonOf(err)})`);
    return null;
  }
  const missing = ['format', 'runId', 'runHash', 'signing', 'files'].filter((k) => (m as unknown as Record<string, unknown>)[k] === undefined);
  if (missing.length || !Array.isArray(m.files) || typeof m.signing?.publicKey !== 'string') {
    problems.push(`${MANIFEST}: missing or malformed field(s) ${missing.join(', ') || 'files/signing'}`);
    return null;
  }
  // Read as the file holds it: a hostile or foreign bundle may put anything there.
  const format: unknown = m.format;
  if (format !== BUNDLE_FORMAT) problems.push(`${MANIFEST}: unknown format "${String(format)}" (expected ${BUNDLE_FORMAT})`);
  return m;
}

/** Checks run.json and the evidence files against each other and against the manifest. */
function checkContent(m: BundleManifest, byPath: Map<string, Buffer>, problems: string[]): RunDocument | null {
  const raw = byPath.get('run.json');
  if (!raw) return null; // reported as missing already
  let doc: RunDocument;
  try {
    doc = JSON.parse(raw.toString('utf8')) as RunDocument;
  } catch (err) {
    problems.push(`run.json: not valid JSON (${reasonOf(err)})`);
    return null;
  }
  if (doc.run?.id !== m.runId) problems.push(`run.json: run id ${told(doc.run?.id)} differs from the manifest's ${told(m.runId)}`);
  if (doc.run?.hash !== m.runHash) problems.push(`run.json: run hash ${told(doc.run?.hash)} differs from the manifest's ${told(m.runHash)}`);
  if ((doc.run?.previousHash ?? null) !== (m.previousHash ?? null)) problems.push(`run.json: previous-run hash differs from the manifest's`);
  if (doc.run?.configHash !== m.configHash) problems.push(`run.json: config hash differs from the manifest's`);
  try {
    if (hashRun(doc) !== m.runHash) problems.push(`run.json: content does not hash to the run hash ${told(m.runHash)}`);
  } catch (err) {
    problems.push(`run.json: cannot recompute the run hash (${reasonOf(err)})`);
  }
  const inRun = new Map((doc.evidence ?? []).map((e) => [e.id, e]));
  const seen = new Set<string>();
  for (const [path, data] of byPath) {
    if (!path.startsWith('evidence/')) continue;
    let e: EvidenceRecord;
    try {
      e = JSON.parse(data.toString('utf8')) as EvidenceRecord;
    } catch (err) {
      problems.push(`${path}: not valid JSON (${reasonOf(err)})`);
      continue;
    }
    seen.add(e.id);
    if (sha256Of(e.data) !== e.sha256) problems.push(`${path}: evidence data does not match its sha256 ${told(e.sha256)}`);
    const r = inRun.get(e.id);
    if (!r) problems.push(`${path}: evidence ${told(e.id)} is not part of run.json`);
    else if (r.sha256 !== e.sha256 || sha256Of(r.data) !== r.sha256) problems.push(`${path}: evidence ${e.id} differs from run.json`);
  }
  for (const id of inRun.keys()) if (!seen.has(id)) problems.push(`run.json: evidence ${id} has no file under evidence/`);
  return doc;
}

function checkAgainstStore(m: BundleManifest, store: Store, problems: string[]): void {
  const stored = store.runs.get(m.runId);
  if (!stored) {
    problems.push(`${MANIFEST}: run ${m.runId} is not in the store`);
    return;
  }
  if (stored.run.hash !== m.runHash) problems.push(`${MANIFEST}: run hash ${m.runHash} does not match the stored run's hash ${stored.run.hash}`);
  if (stored.run.previousHash !== (m.previousHash ?? null))
    problems.push(`${MANIFEST}: previous-run hash ${m.previousHash} does not match the store's link ${stored.run.previousHash}`);
  if (stored.run.hash && hashRun(stored) !== stored.run.hash) problems.push(`store: run ${m.runId} no longer matches its own hash (the store was altered)`);
  if (stored.run.previousHash) {
    const prev = store.db.prepare('SELECT id FROM runs WHERE hash = ?').get(stored.run.previousHash) as { id: string } | undefined;
    if (!prev) problems.push(`store: no run has the previous-run hash ${stored.run.previousHash} (chain broken before ${m.runId})`);
  }
}

export function verifyBundle(data: Buffer, opts: { pubkeyPem?: string; store?: Store } = {}): BundleVerification {
  const { files, problems } = readTarGz(data);
  const byPath = new Map<string, Buffer>();
  for (const f of files) {
    if (byPath.has(f.path)) problems.push(`${f.path}: appears more than once in the bundle`);
    byPath.set(f.path, f.data);
  }
  const manifestBytes = byPath.get(MANIFEST);
  const sigText = byPath.get(SIGNATURE);
  if (!manifestBytes) problems.push(`${MANIFEST}: missing from the bundle`);
  if (!sigText) problems.push(`${SIGNATURE}: missing from the bundle`);
  const m = manifestBytes ? parseManifest(manifestBytes, problems) : null;
  const result = (extra: Partial<BundleVerification> = {}): BundleVerification => ({
    ok: problems.length === 0,
    problems,
    keyFingerprint: '',
    runId: m?.runId ?? '',
    ...extra,
  });
  if (!m || !manifestBytes) return result();

  let keyFingerprint = '';
  try {
    keyFingerprint = fingerprintOfPublicKey(m.signing.publicKey);
    if (m.signing.fingerprint !== keyFingerprint) problems.push(`${MANIFEST}: the embedded key's fingerprint is ${keyFingerprint}, not the ${told(m.signing.fingerprint)} it claims`);
  } catch (err) {
    problems.push(`${MANIFEST}: the embedded public key is unreadable (${reasonOf(err)})`);
  }
  let pinnedKey = false;
  if (opts.pubkeyPem) {
    pinnedKey = true;
    let pinned = '';
    try {
      pinned = fingerprintOfPublicKey(createPublicKey(opts.pubkeyPem));
    } catch (err) {
      problems.push(`pinned key: unreadable (${reasonOf(err)})`);
    }
    if (pinned && keyFingerprint && pinned !== keyFingerprint) problems.push(`${SIGNATURE}: signed by key ${keyFingerprint}, not by the gateway key ${pinned}`);
  }
  if (sigText && keyFingerprint) {
    // Node's base64 decoder skips characters it does not know: insist on the exact form written, so no byte of the file goes unchecked.
    const text = sigText.toString('utf8');
    const signature = Buffer.from(text.trim(), 'base64');
    if (text !== `${signature.toString('base64')}\n`) problems.push(`${SIGNATURE}: not a canonical base64 signature line (the file was altered)`);
    else if (!verifyBytes(m.signing.publicKey, manifestBytes, signature))
      problems.push(`${SIGNATURE}: the signature does not verify over ${MANIFEST} with key ${keyFingerprint} (${MANIFEST} or ${SIGNATURE} was altered)`);
  }

  const listed = new Set<string>();
  for (const f of m.files) {
    listed.add(f.path);
    const body = byPath.get(f.path);
    if (!body) problems.push(`${f.path}: listed in the manifest but missing from the bundle`);
    else if (sha256(body) !== f.sha256) problems.push(`${f.path}: sha256 ${sha256(body)} does not match the manifest's ${told(f.sha256)}`);
    else if (body.length !== f.bytes) problems.push(`${f.path}: ${body.length} bytes, the manifest says ${typeof f.bytes === 'number' ? f.bytes : '(none: the field is missing)'}`);
  }
  for (const path of byPath.keys()) if (path !== MANIFEST && path !== SIGNATURE && !listed.has(path)) problems.push(`${path}: in the bundle but not listed in the manifest`);

  checkContent(m, byPath, problems);
  if (opts.store) checkAgainstStore(m, opts.store, problems);
  return result({ keyFingerprint, pinnedKey, chainChecked: Boolean(opts.store), files: files.length });
}
