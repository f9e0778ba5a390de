// Read-only or full state directory. The CLI fails clearly (exit 3, one line
// naming the store path) and loses nothing already stored; `serve` keeps
// answering with the last posture, says `degraded` with the reason on
// /healthz and `pathaudit_store_healthy 0` on /metrics, refuses new runs with
// 503, and recovers by itself once the store can be written again.
//
// "Full" and "read-only" are real: a small tmpfs (small-fs.ts) filled to
// ENOSPC or remounted read-only under the running process. That needs root
// and mount(2) — tests run as root here, where file modes would not stop a
// write; without them the two mount-based tests skip and say why.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { openStore } from '../../agent/store/index.js';
import type { PathauditConfig } from '../../config/schema/index.js';
import { AUTH, BUNDLE, freePort, TOKEN } from '../agent/api/helpers.js';
import { labGateway, tempDir } from '../helpers/lab.js';
import { cliRun } from './cli-child.js';
import { serve } from './serve-child.js';
import { smallFs, type SmallFs } from './small-fs.js';


/** A weak lab whose store lives at `storePath`; the config also carries the API and a broker-transport bundle. */
async function labWithStore(t: Test, storePath: string): Promise<{ configFile: string }> {
  const gw = await labGateway(t, { profile: 'weak' });
  const tokenFile = join(gw.dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const config: PathauditConfig = {
    ...gw.config,
    store: { path: storePath },
    api: { listen: `127.0.0.1:${await freePort()}`, token_file: tokenFile },
    bundles: { [BUNDLE]: ['broker-transport'] },
    runner: { step_timeout_ms: 1500, check_timeout_s: 8 },
  };
  writeFileSync(gw.configFile, stringify(config));
  return { configFile: gw.configFile };
}

const runArgs = (configFile: string) => ['run', '--check', 'broker-transport', '--config', configFile, '--format', 'json'];

function mounted(t: Test, sizeKiB: number): SmallFs | null {
  const fs = smallFs(t, sizeKiB);
  if ('unavailable' in fs) {
    t.skip(`needs a small real filesystem: ${fs.unavailable}`, () => undefined);
    return null;
  }
  return fs;
}

function storeIntact(t: Test, dbFile: string, completed: number): void {
  const db = new Database(dbFile, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check = ok');
  db.close();
  const store = openStore(dbFile);
  t.equal((store.db.prepare("SELECT count(*) AS n FROM runs WHERE hash IS NOT NULL").get() as { n: number }).n, completed, `${completed} completed run(s) in the store`);
  t.same(store.runs.verifyChain(), [], 'the chain verifies');
  store.close();
}

t.test('a store path that cannot be created (its folder is a file): run exits 3 with one line naming the store path', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'state'), 'not a folder\n');
  const storePath = join(dir, 'state', 'pathaudit.db');
  const { configFile } = await labWithStore(t, storePath);
  const r = await cliRun(t, runArgs(configFile));
  t.equal(r.code, 3, 'exit 3: the run itself failed');
  t.match(r.stderr, storePath, 'the message names the store path');
  t.match(r.stderr, /EEXIST|ENOTDIR|not a directory/i, 'and why (mkdir of the folder fails: a file is in the way)');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.equal(r.stdout, '', 'no report for a run that could not be stored');
});

t.test('CLI on a read-only or full state directory: exit 3 naming the store path; nothing stored is lost', async (t) => {
  const fs = mounted(t, 2048);
  if (!fs) return;
  const dbFile = join(fs.dir, 'pathaudit.db');
  const { configFile } = await labWithStore(t, dbFile);
  const first = await cliRun(t, runArgs(configFile));
  t.equal(first.code, 0, `a run on the healthy store works (${first.stderr.trim()})`);

  fs.remountReadOnly();
  const ro = await cliRun(t, runArgs(configFile));
  t.equal(ro.code, 3, 'read-only: exit 3');
  t.match(ro.stderr, dbFile, 'read-only: the message names the store path');
  t.notMatch(ro.stderr, /internal error|\n\s+at /, 'read-only: a store error, not an internal one, no stack trace');
  t.comment(`read-only: ${ro.stderr.trim()}`);
  fs.remountReadWrite();

  const filled = fs.fill();
  t.ok(filled > 0, `the state directory is full (${Math.round(filled / 1024)} KiB of filler)`);
  const full = await cliRun(t, runArgs(configFile));
  t.equal(full.code, 3, 'full: exit 3');
  t.match(full.stderr, dbFile, 'full: the message names the store path');
  t.match(full.stderr, /full|ENOSPC|SQLITE_FULL|disk/i, 'full: and says the disk is full');
  t.notMatch(full.stderr, /internal error|\n\s+at /, 'full: a store error, not an internal one, no stack trace');
  t.comment(`full: ${full.stderr.trim()}`);

  fs.unfill();
  storeIntact(t, dbFile, 1);
  const again = await cliRun(t, runArgs(configFile));
  t.equal(again.code, 0, 'with space again, runs work');
  storeIntact(t, dbFile, 2);
});

async function api(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, headers: { ...AUTH, ...(init.body ? { 'content-type': 'application/json' } : {}) }, signal: AbortSignal.timeout(15_000) });
}

async function runToEnd(base: string): Promise<{ status: number; body: Record<string, unknown>; final?: string }> {
  const res = await api(base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 202) return { status: res.status, body };
  for (let i = 0; i < 150; i++) {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { running: string | null };
    if (health.running !== body.id) {
      const doc = (await (await api(base, `/v1/runs/${String(body.id)}`)).json()) as { run: { status: string } };
      return { status: 202, body, final: doc.run.status };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${String(body.id)} did not end`);
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await api(base, '/metrics')).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

t.test('serve whose state directory fills up: last posture still served, /healthz degraded with the reason, /metrics store_healthy 0, runs refused; recovers when space is back', async (t) => {
  const fs = mounted(t, 4096);
  if (!fs) return;
  const dbFile = join(fs.dir, 'pathaudit.db');
  const { configFile } = await labWithStore(t, dbFile);
  const s = await serve(t, configFile);

  const first = await runToEnd(s.base);
  t.equal(first.final, 'completed', 'a run on the healthy store completes');
  const posture = (await (await api(s.base, '/v1/posture')).json()) as { latestRun: { id: string }; summary: unknown; results: unknown[] };
  t.equal(posture.latestRun.id, first.body.id);
  t.same(await (await fetch(`${s.base}/healthz`)).json(), { status: 'ok', version: String((await (await fetch(`${s.base}/healthz`)).json() as { version: string }).version), running: null }, '/healthz ok');
  t.equal(await metric(s.base, 'pathaudit_store_healthy'), 1, 'pathaudit_store_healthy 1');

  // (A read-only remount under the running daemon is refused by the kernel while it holds the
  // store open for writing — "mount point is busy" — so the mid-life failure is a full disk;
  // read-only at start is the next test.)
  {
    const label = 'full';
    t.ok(fs.fill() > 0, 'the state directory is full');
    // The store fails either on the run row (503 at once) or when the finished run is written (the run ends aborted).
    let failed: { status: number; body: Record<string, unknown>; final?: string } | null = null;
    for (let i = 0; i < 3 && !failed; i++) {
      const r = await runToEnd(s.base);
      if (r.status === 503 || (r.status === 202 && r.final !== 'completed')) failed = r;
    }
    t.ok(failed, `${label}: a run could not be stored`);
    if (failed?.status === 503) {
      t.match(String(failed.body.message), dbFile, `${label}: POST /v1/runs answers 503 naming the store path`);
      t.equal(failed.body.code, 'PATHAUDIT_ERR_STORE');
    }
    const health = (await (await fetch(`${s.base}/healthz`)).json()) as { status: string; reason?: string };
    t.equal(health.status, 'degraded', `${label}: /healthz says degraded`);
    t.match(health.reason, dbFile, `${label}: with the store path in the reason (${health.reason})`);
    t.equal(await metric(s.base, 'pathaudit_store_healthy'), 0, `${label}: pathaudit_store_healthy 0`);
    t.equal(await metric(s.base, 'pathaudit_store_up'), 1, `${label}: the store still answers reads`);
    const still = await api(s.base, '/v1/posture');
    t.equal(still.status, 200, `${label}: GET /v1/posture still answers`);
    const stillBody = (await still.json()) as typeof posture;
    t.equal(stillBody.latestRun.id, posture.latestRun.id, `${label}: with the last posture`);
    t.same(stillBody.results, posture.results);
    t.equal((await api(s.base, `/v1/runs/${String(first.body.id)}`)).status, 200, `${label}: the stored run reads back`);

    fs.unfill();
    const recovered = await runToEnd(s.base);
    t.equal(recovered.final, 'completed', `${label} repaired: the next run completes`);
    t.equal(((await (await fetch(`${s.base}/healthz`)).json()) as { status: string }).status, 'ok', `${label} repaired: /healthz ok again`);
    t.equal(await metric(s.base, 'pathaudit_store_healthy'), 1, `${label} repaired: pathaudit_store_healthy 1`);
  }

  // The disk fills while a run collects: the run row was written, the finished run cannot be.
  const post = await api(s.base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) });
  t.equal(post.status, 202, 'a run starts on the healthy store');
  const { id: midId } = (await post.json()) as { id: string };
  fs.fill();
  for (let i = 0; i < 150 && ((await (await fetch(`${s.base}/healthz`)).json()) as { running: string | null }).running === midId; i++) await new Promise((r) => setTimeout(r, 100));
  const mid = (await (await api(s.base, `/v1/runs/${midId}`)).json()) as { run: { status: string } };
  t.equal(mid.run.status, 'running', 'the run the full disk cut short cannot be marked yet: its row still reads running');
  t.equal(((await (await fetch(`${s.base}/healthz`)).json()) as { status: string }).status, 'degraded', 'the disk filled during a run: /healthz degraded');
  t.equal(await metric(s.base, 'pathaudit_store_healthy'), 0, 'and pathaudit_store_healthy 0');
  t.equal(((await (await api(s.base, '/v1/posture')).json()) as typeof posture).results.length, posture.results.length, 'the posture is still served');
  fs.unfill();
  const after = await runToEnd(s.base);
  t.equal(after.final, 'completed', 'space back: the next run completes');
  t.equal(((await (await api(s.base, `/v1/runs/${midId}`)).json()) as { run: { status: string } }).run.status, 'aborted', 'and the run cut short now reads aborted');

  t.ok(s.lines.some((l) => /cannot (record|store)/.test(JSON.stringify(l))), 'the daemon logged the store failure');
  const exit = await s.stop();
  t.equal(exit.code, 0, 'serve stops cleanly');
  const db = new Database(dbFile, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check = ok after all that');
  db.close();
  const store = openStore(dbFile);
  t.same(store.runs.verifyChain(), [], 'the chain verifies');
  store.close();
});

t.test('serve on a read-only state directory: refuses to start with one line naming the store path (exit 3)', async (t) => {
  const fs = mounted(t, 2048);
  if (!fs) return;
  const dbFile = join(fs.dir, 'pathaudit.db');
  const { configFile } = await labWithStore(t, dbFile);
  t.equal((await cliRun(t, runArgs(configFile))).code, 0, 'a run on the healthy store works');
  fs.remountReadOnly();
  const r = await cliRun(t, ['serve', '--config', configFile], { timeoutMs: 15_000 });
  t.equal(r.code, 3, 'exit 3');
  t.match(r.stderr, dbFile, 'the message names the store path');
  t.notMatch(r.stderr, /internal error|\n\s+at /, 'a store error, no stack trace');
  t.comment(r.stderr.trim());
  fs.remountReadWrite();
  storeIntact(t, dbFile, 1);
});
