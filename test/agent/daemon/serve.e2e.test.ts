// `pathaudit serve` as a child process (the built CLI) against the weak lab:
// readiness, a run over HTTP, every evidence route, metrics against the run,
// SIGHUP reload, SIGTERM; then SIGKILL in the middle of a run and a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { parse, stringify } from 'yaml';
import { verifyBundle } from '../../../agent/evidence/bundle.js';
import type { RunDocument } from '../../../agent/runner/document.js';
import { openStore } from '../../../agent/store/index.js';
import { apiLab, AUTH, BUNDLE, TOKEN } from '../api/helpers.js';
import { builtCli } from '../../helpers/build.js';

// The acceptance runs the built CLI, the bundle the unit starts.
const CLI = builtCli();


/** Whether no process runs the run `id` any more (its command line carries --run=ID), within 5 s. */
async function runProcessGone(id: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const alive = readdirSync('/proc').some((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--run=${id}`);
      } catch {
        return false; // ended while we looked
      }
    });
    if (!alive) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Served {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function serve(t: Test, configFile: string, env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ msg: `(not JSON) ${l}` });
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const waitFor = (msg: string, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" line within ${timeoutMs} ms; stderr: ${stderr}; stdout: ${JSON.stringify(lines.slice(-5))}`)), timeoutMs);
      const look = () => {
        const hit = lines.find((l) => l.msg === msg);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(look);
      };
      look();
      void exited.then(() => setTimeout(look, 50));
    });
  return waitFor('pathaudit ready').then((ready) => ({ child, lines, exited, waitFor, base: `http://${ready.listen as string}` }));
}

async function api(base: string, path: string, init: RequestInit = {}) {
  return fetch(`${base}${path}`, { ...init, headers: { ...AUTH, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) }, signal: AbortSignal.timeout(15_000) });
}

async function pollRun(base: string, id: string, timeoutMs = 30_000): Promise<RunDocument> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const doc = (await (await api(base, `/v1/runs/${id}`)).json()) as RunDocument;
    if (doc.run.status !== 'running') return doc;
    if (Date.now() > until) throw new Error(`run ${id} still running`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A TCP server that accepts and never answers: a listener that keeps a check busy until its budget ends. */
async function blackHole(t: Test): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return (srv.address() as net.AddressInfo).port;
}

t.test('serve end to end: ready, run over HTTP, posture/backlog/delta/report/bundle/metrics agree, SIGHUP reload, SIGTERM exits 0', async (t) => {
  const { gw } = await apiLab(t);
  const started = Date.now();
  const s = await serve(t, gw.configFile);
  t.ok(Date.now() - started < 15_000, `ready after ${Date.now() - started} ms`);

  const health = await fetch(`${s.base}/healthz`);
  t.equal(health.status, 200, '/healthz needs no token');
  t.equal((await fetch(`${s.base}/v1/posture`)).status, 401, 'the rest does');
  const docs = await api(s.base, '/docs');
  t.match(docs.headers.get('content-type'), /^text\/html/, 'Swagger UI at /docs (built on its first request)');
  t.equal((await api(s.base, '/docs/static/swagger-ui.css')).status, 200, 'with its assets');

  const post = await api(s.base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) });
  t.equal(post.status, 202);
  const { id } = (await post.json()) as { id: string };
  const doc = await pollRun(s.base, id);
  t.equal(doc.run.status, 'completed');
  t.ok(doc.results.length > 0 && doc.evidence.length > 0, 'the run observed the lab');
  t.ok(
    s.lines.some((l) => l.worker === 'process' && l.pid !== s.child.pid && l.runId === id),
    'the checks ran in a run process of their own, logging with the run id',
  );
  await t.resolveMatch(runProcessGone(id), true, 'the run process exited with the run');

  const posture = (await (await api(s.base, '/v1/posture')).json()) as { latestRun: { id: string }; summary: RunDocument['summary']; results: unknown[] };
  t.equal(posture.latestRun.id, id);
  t.same(posture.summary.findings, doc.summary.findings);
  t.equal(posture.results.length, doc.results.length);

  const backlog = (await (await api(s.base, '/v1/backlog')).json()) as { items: Array<{ fingerprint: string }> };
  t.same(backlog.items.map((i) => i.fingerprint).sort(), doc.findings.filter((f) => !f.waived).map((f) => f.fingerprint).sort(), 'backlog = the open findings');

  t.equal((await api(s.base, '/v1/baseline', { method: 'PUT', body: JSON.stringify({ runId: id }) })).status, 200);
  const delta = (await (await api(s.base, '/v1/delta')).json()) as { from: { id: string }; to: { id: string }; counts: Record<string, number> };
  t.equal(delta.from.id, id);
  t.equal(delta.to.id, id);
  t.equal(delta.counts.regressed, 0);

  const html = await api(s.base, `/v1/runs/${id}/report?format=html`);
  t.equal(html.status, 200);
  t.match(html.headers.get('content-type'), /text\/html/);
  t.match(await html.text(), id);

  const bundle = await api(s.base, `/v1/runs/${id}/bundle`);
  t.equal(bundle.status, 200);
  t.equal(bundle.headers.get('content-type'), 'application/gzip');
  const data = Buffer.from(await bundle.arrayBuffer());
  const verified = verifyBundle(data, {});
  t.same(verified.problems, [], 'the bundle verifies on its own');
  t.equal(verified.ok, true);
  t.equal(verified.runId, id);
  t.notOk(data.includes(Buffer.from(TOKEN)), 'no API token in the bundle');

  const metrics = await (await api(s.base, '/metrics')).text();
  for (const [sev, n] of Object.entries(doc.summary.findings)) t.match(metrics, `pathaudit_findings{severity="${sev}"} ${n}\n`);
  t.match(metrics, `pathaudit_last_run_timestamp_seconds ${Date.parse(doc.run.finishedAt!) / 1000}\n`);
  const duration = Number(/^pathaudit_last_run_duration_seconds (\S+)$/m.exec(metrics)![1]);
  t.equal(duration, (Date.parse(doc.run.finishedAt!) - Date.parse(doc.run.startedAt)) / 1000, 'duration = finishedAt - startedAt');
  t.match(metrics, 'pathaudit_last_run_status{status="completed"} 1');
  for (const r of doc.results) t.match(metrics, `pathaudit_control_status{check="${r.check}",control="${r.control}",resource="${r.resource}",status="${r.status}"} 1`);

  // SIGHUP: an invalid config is refused and the old one stays; a valid one is taken.
  const good = readFileSync(gw.configFile, 'utf8');
  writeFileSync(gw.configFile, `${good}\ntypo_section: 1\n`);
  s.child.kill('SIGHUP');
  const refused = await s.waitFor('config reload refused: keeping the config in force');
  t.match(JSON.stringify(refused.problems), 'typo_section');
  t.equal((await api(s.base, '/v1/posture')).status, 200, 'still serving with the old config');
  const cfg = parse(good);
  cfg.waivers = [{ control: 'BT-02', reason: 'lab: accepted for the test', expires: '2099-01-01' }];
  writeFileSync(gw.configFile, stringify(cfg));
  s.child.kill('SIGHUP');
  await s.waitFor('config reloaded');
  const waived = (await (await api(s.base, '/v1/posture')).json()) as { findings: Array<{ control: string; waived: boolean }> };
  t.ok(waived.findings.filter((f) => f.control === 'BT-02').every((f) => f.waived), 'the reloaded waiver applies to the posture');

  s.child.kill('SIGTERM');
  const exit = await s.exited;
  t.same(exit, { code: 0, signal: null }, 'SIGTERM: clean exit 0');
  t.ok(s.lines.some((l) => l.msg === 'pathaudit stopped'), 'says it stopped');
  const db = new Database(`${gw.dir}/pathaudit.db`, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

t.test('SIGKILL in the middle of a run, then restart: integrity ok, the run aborted, earlier runs readable; SIGTERM mid-run aborts within the bound', async (t) => {
  const { gw } = await apiLab(t);
  let s = await serve(t, gw.configFile);
  const first = (await (await api(s.base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) })).json()) as { id: string };
  const firstDoc = await pollRun(s.base, first.id);
  t.equal(firstDoc.run.status, 'completed');

  // Add a listener that never answers, so the next run stays in flight for seconds.
  const stuck = await blackHole(t);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.broker.listeners.push({ name: 'stuck', port: stuck, tls: false });
  cfg.runner = { check_timeout_s: 30, step_timeout_ms: 20_000 };
  writeFileSync(gw.configFile, stringify(cfg));
  s.child.kill('SIGHUP');
  await s.waitFor('config reloaded');

  const second = (await (await api(s.base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) })).json()) as { id: string };
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(((await (await api(s.base, `/v1/runs/${second.id}`)).json()) as RunDocument).run.status, 'running', 'the second run is in flight');
  s.child.kill('SIGKILL');
  t.equal((await s.exited).signal, 'SIGKILL');
  await t.resolveMatch(runProcessGone(second.id), true, 'the orphaned run process ends with its daemon');

  s = await serve(t, gw.configFile, { PATHAUDIT_STOP_GRACE_MS: '500' });
  const abortedLine = s.lines.find((l) => String(l.msg).startsWith('runs left unfinished'));
  t.same(abortedLine?.runs, [second.id], 'the restart says which run it marked aborted');
  const after = (await (await api(s.base, `/v1/runs/${second.id}`)).json()) as RunDocument;
  t.equal(after.run.status, 'aborted');
  const earlier = (await (await api(s.base, `/v1/runs/${first.id}`)).json()) as RunDocument;
  t.equal(earlier.run.hash, firstDoc.run.hash, 'the earlier run reads back unchanged');
  t.equal(earlier.results.length, firstDoc.results.length);

  // SIGTERM while a run is in flight: bounded wait (500 ms here), then the run is aborted cleanly and the process exits 0.
  const third = (await (await api(s.base, '/v1/runs', { method: 'POST', body: JSON.stringify({ bundle: BUNDLE }) })).json()) as { id: string };
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  s.child.kill('SIGTERM');
  const exit = await s.exited;
  t.same(exit, { code: 0, signal: null }, 'clean exit');
  t.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
  await t.resolveMatch(runProcessGone(third.id), true, 'the aborted run process is gone');

  const db = new Database(`${gw.dir}/pathaudit.db`, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check = ok');
  db.close();
  const store = openStore(`${gw.dir}/pathaudit.db`);
  t.equal(store.runs.get(third.id)?.run.status, 'aborted', 'the run SIGTERM cut short is aborted');
  t.same(store.runs.verifyChain(), [], 'the chain of finished runs holds');
  store.close();
});

t.test('serve starting beside a `pathaudit run` in flight leaves that run alone; it completes and the chain holds', async (t) => {
  const { gw } = await apiLab(t);
  // A listener that never answers keeps the CLI run in flight for its step timeout.
  const stuck = await blackHole(t);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.broker.listeners.push({ name: 'stuck', port: stuck, tls: false });
  cfg.runner = { check_timeout_s: 30, step_timeout_ms: 4_000 };
  writeFileSync(gw.configFile, stringify(cfg));
  const run = spawn(process.execPath, [CLI, 'run', '--check', 'broker-transport', '--format', 'json', '--config', gw.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (run.exitCode === null && run.signalCode === null) run.kill('SIGKILL');
  });
  let out = '';
  run.stdout.on('data', (d) => (out += d));
  const ran = new Promise<number | null>((r) => run.once('close', (code) => r(code)));
  // Wait until the CLI has recorded its run.
  const db = `${gw.dir}/pathaudit.db`;
  let cliRunId: string | undefined;
  for (let i = 0; i < 100 && !cliRunId; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(db)) continue;
    const store = openStore(db);
    cliRunId = store.runs.inFlight()[0]?.id;
    store.close();
  }
  t.ok(cliRunId, 'the CLI run is recorded as running');

  const s = await serve(t, gw.configFile);
  const left = s.lines.find((l) => l.msg === 'runs in flight in other processes (pathaudit run) left alone') as { runs?: Array<{ id: string }> } | undefined;
  t.same(left?.runs?.map((r) => r.id), [cliRunId], 'serve names the run it left alone');
  t.notOk(s.lines.some((l) => String(l.msg).startsWith('runs left unfinished')), 'and marks nothing aborted');

  t.equal(await ran, 0, 'the CLI run ends normally');
  t.equal((JSON.parse(out) as RunDocument).run.id, cliRunId);
  const doc = await pollRun(s.base, cliRunId!);
  t.equal(doc.run.status, 'completed', 'and is stored completed');
  s.child.kill('SIGTERM');
  await s.exited;
  const store = openStore(db);
  t.same(store.runs.verifyChain(), [], 'the chain holds');
  store.close();
});
