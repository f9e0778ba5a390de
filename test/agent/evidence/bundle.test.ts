// Signed evidence bundles: an untouched bundle verifies on its own and against
// the store; any single changed byte, a removed or added file, a swapped
// signature or a chain link that does not match the store fails, naming the
// file. No secret from the config reaches a bundle.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { SecretStore } from '../../../agent/config/secrets.js';
import { exportBundle, verifyBundle, type BundleManifest } from '../../../agent/evidence/bundle.js';
import { keyFileOf, loadOrCreateKey } from '../../../agent/evidence/signing.js';
import { readTarGz, writeTarGz, type TarFile } from '../../../agent/evidence/tarball.js';
import { tempDir } from '../../helpers/lab.js';
import { storedLab } from './helpers.js';

const API_TOKEN = 'api-token-KNOWN-4f9c2e71-do-not-leak';

function repack(files: TarFile[]): Buffer {
  return writeTarGz(files, new Date('2026-11-26T00:00:00Z'));
}

t.test('bundles: export, verify, tamper detection, chain link, key handling, no secrets', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'lab', 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'lab', 'secrets', 'api-token'), `${API_TOKEN}\n`, { mode: 0o600 });
  const lab = await storedLab(t, { profile: 'weak', dir: join(dir, 'lab'), config: { api: { token_file: join(dir, 'lab', 'secrets', 'api-token') } } });
  const first = await lab.run();
  const run = await lab.run();
  t.equal(run.run.previousHash, first.run.hash, 'the second run links to the first');
  const keyFile = keyFileOf(lab.loaded);
  t.equal(keyFile, join(dir, 'lab', 'gateway-key.pem'), 'default key file sits next to the store');

  const data = await exportBundle(lab.store, run.run.id, keyFile);
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'private key created 0600 on first use');
  const key = loadOrCreateKey(keyFile);

  await t.test('the bundle is a standard .tar.gz with the contract files', async (t) => {
    const listing = execFileSync('tar', ['-tzf', '-'], { input: data }).toString().trim().split('\n');
    t.ok(listing.includes('manifest.json') && listing.includes('manifest.sig') && listing.includes('run.json') && listing.includes('report.md') && listing.includes('report.html'));
    t.equal(listing.filter((p) => p.startsWith('evidence/')).length, run.evidence.length, 'one evidence file per evidence record');
    const manifest = JSON.parse(readTarGz(data).files.find((f) => f.path === 'manifest.json')!.data.toString()) as BundleManifest;
    t.equal(manifest.runHash, run.run.hash);
    t.equal(manifest.previousHash, first.run.hash);
    t.equal(manifest.configHash, lab.loaded.hash);
    t.equal(manifest.signing.fingerprint, key.fingerprint);
    t.equal(manifest.files.length, listing.length - 2, 'every file but the manifest and its signature is listed with its sha256');
  });

  await t.test('an untouched bundle verifies alone, with the pinned key, and against the store', async (t) => {
    const alone = verifyBundle(data, {});
    t.same(alone.problems, []);
    t.equal(alone.ok, true);
    t.equal(alone.keyFingerprint, key.fingerprint, 'prints the embedded key fingerprint');
    t.equal(alone.runId, run.run.id);
    const pinned = verifyBundle(data, { pubkeyPem: key.publicKeyPem, store: lab.store });
    t.same(pinned.problems, []);
    t.equal(pinned.ok && pinned.pinnedKey && pinned.chainChecked, true);
  });

  await t.test('one changed byte in any file fails, naming that file', async (t) => {
    const { files } = readTarGz(data);
    for (const target of files) {
      for (const at of [0, Math.floor(target.data.length / 2), target.data.length - 1]) {
        const changed = files.map((f) => {
          if (f !== target) return f;
          const copy = Buffer.from(f.data);
          copy[at] = copy[at]! ^ 0x01;
          return { path: f.path, data: copy };
        });
        const v = verifyBundle(repack(changed), {});
        t.equal(v.ok, false, `${target.path} byte ${at} changed → fails`);
        t.ok(v.problems.some((p) => p.includes(target.path)), `${target.path} byte ${at}: a problem names the file (${v.problems[0]})`);
      }
    }
  });

  await t.test('a removed or an added file fails, naming it', async (t) => {
    const { files } = readTarGz(data);
    for (const gone of ['run.json', 'report.html', files.find((f) => f.path.startsWith('evidence/'))!.path, 'manifest.sig', 'manifest.json']) {
      const v = verifyBundle(repack(files.filter((f) => f.path !== gone)), {});
      t.equal(v.ok, false, `${gone} removed`);
      t.ok(v.problems.some((p) => p.startsWith(`${gone}:`)), `names ${gone}: ${v.problems.join(' | ')}`);
    }
    const added = verifyBundle(repack([...files, { path: 'evidence/999-extra.json', data: Buffer.from('{}') }]), {});
    t.equal(added.ok, false);
    t.ok(added.problems.some((p) => p.startsWith('evidence/999-extra.json: in the bundle but not listed')), added.problems.join(' | '));
    const duplicated = verifyBundle(repack([...files, files.find((f) => f.path === 'run.json')!]), {});
    t.ok(duplicated.problems.some((p) => p.startsWith('run.json: appears more than once')));
  });

  await t.test('a swapped signature fails; a re-signed bundle passes alone but fails against the pinned gateway key', async (t) => {
    const { files } = readTarGz(data);
    const other = generateKeyPairSync('ed25519');
    const manifestBytes = files.find((f) => f.path === 'manifest.json')!.data;
    const swappedSig = Buffer.from(`${sign(null, manifestBytes, other.privateKey).toString('base64')}\n`);
    const swapped = verifyBundle(repack(files.map((f) => (f.path === 'manifest.sig' ? { path: f.path, data: swappedSig } : f))), {});
    t.equal(swapped.ok, false);
    t.ok(swapped.problems.some((p) => p.startsWith('manifest.sig: the signature does not verify')), swapped.problems.join(' | '));

    // An attacker who rewrites the manifest with their own key makes a self-consistent bundle: only pinning catches it.
    const manifest = JSON.parse(manifestBytes.toString()) as BundleManifest;
    const { fingerprintOfPublicKey } = await import('../../../agent/evidence/signing.js');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = Buffer.from(`${JSON.stringify({ ...manifest, signing: { algorithm: 'Ed25519', publicKey: otherPem, fingerprint: fingerprintOfPublicKey(otherPem) } }, null, 2)}\n`);
    const forgedSig = Buffer.from(`${sign(null, forged, other.privateKey).toString('base64')}\n`);
    const resigned = repack(files.map((f) => (f.path === 'manifest.json' ? { path: f.path, data: forged } : f.path === 'manifest.sig' ? { path: f.path, data: forgedSig } : f)));
    t.equal(verifyBundle(resigned, {}).ok, true, 'self-consistent on its own (this is what pinning is for)');
    const pinned = verifyBundle(resigned, { pubkeyPem: key.publicKeyPem });
    t.equal(pinned.ok, false);
    t.ok(pinned.problems.some((p) => p.startsWith('manifest.sig: signed by key') && p.includes(key.fingerprint)), pinned.problems.join(' | '));
  });

  await t.test('a chain link that does not match the store fails', async (t) => {
    // Another gateway's store does not hold the run at all.
    const otherLab = await storedLab(t, { profile: 'hardened' });
    await otherLab.run();
    const foreign = verifyBundle(data, { store: otherLab.store });
    t.equal(foreign.ok, false);
    t.ok(foreign.problems.some((p) => p.includes(`run ${run.run.id} is not in the store`)));

    // The store's link for this run was rewritten after export.
    lab.store.db.prepare('UPDATE runs SET previous_hash = ? WHERE id = ?').run('0'.repeat(64), run.run.id);
    const relinked = verifyBundle(data, { store: lab.store });
    lab.store.db.prepare('UPDATE runs SET previous_hash = ? WHERE id = ?').run(first.run.hash, run.run.id);
    t.equal(relinked.ok, false);
    t.ok(relinked.problems.some((p) => p.startsWith('manifest.json: previous-run hash') && p.includes('does not match the store')), relinked.problems.join(' | '));

    // A stored result was edited after export: the stored run no longer matches the bundle's hash chain.
    lab.store.db.prepare("UPDATE results SET detail = 'edited' WHERE run_id = ? AND idx = 0").run(run.run.id);
    const edited = verifyBundle(data, { store: lab.store });
    t.equal(edited.ok, false);
    t.ok(edited.problems.some((p) => p.includes('no longer matches its own hash')), edited.problems.join(' | '));
    await t.rejects(exportBundle(lab.store, run.run.id, keyFile), { code: 'PATHAUDIT_ERR_BUNDLE' }, 'an altered run is never signed');
  });

  await t.test('garbage is a failed verification, not a crash', async (t) => {
    const v = verifyBundle(Buffer.from('not a bundle'), {});
    t.equal(v.ok, false);
    t.match(v.problems[0], /not a readable gzip stream/);
    const truncated = verifyBundle(data.subarray(0, Math.floor(data.length / 2)), {});
    t.equal(truncated.ok, false);
  });

  await t.test('no secret value from the config appears anywhere in the bundle', async (t) => {
    const password = readFileSync(lab.loaded.config.broker!.auth!.password_file!, 'utf8').trim();
    t.ok(password.length > 8 && lab.loaded.secrets.values().includes(API_TOKEN), 'both secrets were loaded with the config');
    const tar = gunzipSync(data);
    for (const secret of [password, API_TOKEN]) t.equal(tar.indexOf(Buffer.from(secret)), -1, `secret of ${secret.length} chars absent from the tar bytes`);
    // The guard behind the scrubbing: a run whose stored evidence somehow holds a secret is never bundled.
    // (a value the runner did not know as secret, e.g. the gateway id, declared secret at export time).
    const leakyRun = await lab.run();
    const late = new SecretStore();
    late.register(leakyRun.run.gatewayId);
    await t.rejects(exportBundle(lab.store, leakyRun.run.id, keyFile, { secrets: late }), {
      code: 'PATHAUDIT_ERR_BUNDLE',
      message: /contains a secret/,
      problems: ['run.json: holds a secret value from the config', 'report.md: holds a secret value from the config', 'report.html: holds a secret value from the config'],
    });
    t.ok(await exportBundle(lab.store, leakyRun.run.id, keyFile, { secrets: lab.loaded.secrets }), 'the real secrets are absent, so the export goes ahead');
    const pem = readFileSync(keyFile, 'utf8');
    const privateBody = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    t.equal(tar.indexOf(Buffer.from(privateBody)), -1, 'the private signing key is not in the bundle');
  });

  await t.test('a key file readable by others is refused, and a non-Ed25519 key too', async (t) => {
    const kdir = tempDir(t);
    const loose = join(kdir, 'loose.pem');
    writeFileSync(loose, readFileSync(keyFile), { mode: 0o644 });
    t.throws(() => loadOrCreateKey(loose), /readable or writable by group\/other/);
    const rsa = join(kdir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    t.throws(() => loadOrCreateKey(rsa), /expected ed25519/);
    const fresh = loadOrCreateKey(join(kdir, 'nested', 'keys', 'k.pem'));
    t.equal(statSync(join(kdir, 'nested', 'keys')).mode & 0o777, 0o700, 'a new key folder is 0700');
    t.equal(loadOrCreateKey(join(kdir, 'nested', 'keys', 'k.pem')).fingerprint, fresh.fingerprint, 'the key is made once and reused');
  });
});
