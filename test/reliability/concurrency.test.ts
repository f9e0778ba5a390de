// Concurrency: 200 API clients against a real `pathaudit serve` child (and a
// lab gateway in a third process, so the clients do not starve it) for
// 10 s (PATHAUDIT_CONCURRENCY_S overrides the duration) while runs write: a
// schedule fires every 2 s and a client POSTs /v1/runs every second, and
// after each accepted run waits for it and one schedule period (409 "one run
// at a time" is an expected answer). Then:
//   - no 5xx and no failed request (every client loop checks every answer);
//   - no SQLITE_BUSY / "database is locked" anywhere in the daemon's output;
//   - no torn read: every run document with a hash re-hashes to it (hashRun),
//     every posture, run list, backlog and metrics answer is complete;
//   - runs did complete during the load, the store's integrity and chain hold.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { RunDocument } from '../../agent/runner/document.js';
import { openStore } from '../../agent/store/index.js';
import { hashRun } from '../../agent/store/runs.js';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../config/schema/index.js';
import { AUTH, BUNDLE, freePort, TOKEN } from '../agent/api/helpers.js';
import { tempDir } from '../helpers/lab.js';
import { remoteLab, serve } from './serve-child.js';


const CLIENTS = 200;
const DURATION_S = Number(process.env.PATHAUDIT_CONCURRENCY_S ?? 10);

interface Tally {
  requests: number;
  byStatus: Map<number, number>;
  byRoute: Map<string, number>;
  problems: string[];
  hashed: number;
}

function note(tally: Tally, problem: string): void {
  if (tally.problems.length < 30) tally.problems.push(problem);
  else tally.problems[29] = `… and more (last: ${problem})`;
}

const ROUTES = ['posture', 'runs', 'run', 'metrics', 'healthz', 'backlog'] as const;

async function client(base: string, n: number, until: number, ids: string[], tally: Tally): Promise<void> {
  for (let i = n; Date.now() < until; i++) {
    const route = ROUTES[i % ROUTES.length]!;
    const id = ids.length ? ids[i % ids.length]! : null;
    const path = route === 'posture' ? '/v1/posture' : route === 'runs' ? '/v1/runs?limit=20' : route === 'run' ? (id ? `/v1/runs/${id}` : '/v1/posture') : route === 'metrics' ? '/metrics' : route === 'healthz' ? '/healthz' : '/v1/backlog';
    let status = 0;
    try {
      const res = await fetch(`${base}${path}`, { headers: AUTH, signal: AbortSignal.timeout(20_000) });
      status = res.status;
      const body = await res.text();
      tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
      tally.byRoute.set(route, (tally.byRoute.get(route) ?? 0) + 1);
      if (status !== 200) {
        note(tally, `${path} → ${status}: ${body.slice(0, 200)}`);
        continue;
      }
      if (route === 'metrics') {
        if (!body.endsWith('\n') || !/^pathaudit_store_up 1$/m.test(body)) note(tally, `/metrics incomplete or store down: …${body.slice(-120)}`);
        continue;
      }
      const json = JSON.parse(body) as Record<string, unknown>; // a torn body throws here
      if (route === 'run' && id) {
        const doc = json as unknown as RunDocument;
        if (doc.run.id !== id) note(tally, `${path}: got run ${doc.run.id}`);
        if (doc.run.hash) {
          if (hashRun(doc) !== doc.run.hash) note(tally, `${path}: document does not re-hash to its stored hash (torn read)`);
          tally.hashed++;
        }
      } else if (route === 'posture' || (route === 'run' && !id)) {
        if (!('summary' in json) || !Array.isArray(json.results)) note(tally, `/v1/posture incomplete: ${body.slice(0, 200)}`);
      } else if (route === 'runs') {
        const items = json.items as Array<{ id: string; status: string }>;
        if (!Array.isArray(items)) note(tally, `/v1/runs incomplete: ${body.slice(0, 200)}`);
        for (const it of items) if (it.status !== 'running' && !ids.includes(it.id) && ids.length < 50) ids.push(it.id);
      } else if (route === 'backlog') {
        if (!Array.isArray(json.items)) note(tally, `/v1/backlog incomplete: ${body.slice(0, 200)}`);
      } else if (route === 'healthz' && typeof json.status !== 'string') note(tally, `/healthz incomplete: ${body}`);
    } catch (err) {
      note(tally, `${path}: ${status ? `status ${status}, ` : ''}${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`);
    } finally {
      tally.requests++;
    }
  }
}

/** Polls GET /v1/runs/:id until the run is no longer running (bounded). */
async function waitUntilFinished(base: string, id: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const doc = (await (await fetch(`${base}/v1/runs/${id}`, { headers: AUTH })).json()) as RunDocument;
    if (doc.run.status !== 'running') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} still running after ${timeoutMs} ms`);
}

t.test(`${CLIENTS} concurrent API clients for ${DURATION_S} s while scheduled and requested runs write: no SQLITE_BUSY, no 5xx, no torn reads`, async (t) => {
  const dir = tempDir(t, 'pathaudit-load-');
  const lab = await remoteLab(t, dir);
  const tokenFile = join(dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const config: PathauditConfig = {
    ...lab.config,
    api: { listen: `127.0.0.1:${await freePort()}`, token_file: tokenFile },
    bundles: { [BUNDLE]: ['broker-transport'] },
    runner: { step_timeout_ms: 2000, check_timeout_s: 10 },
    schedules: [{ bundle: BUNDLE, cron: '*/2 * * * * *', jitter_s: 0 }],
  };
  writeFileSync(lab.configFile, stringify(config));
  const s = await serve(t, lab.configFile);
  // One finished run before the load, so that every route has something to answer (backlog is 404 until then).
  const first = (await (await fetch(`${s.base}/v1/runs`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ bundle: BUNDLE }) })).json()) as { id?: string; running?: { id: string } };
  await waitUntilFinished(s.base, first.id ?? first.running!.id);
  const ids: string[] = [];
  const until = Date.now() + DURATION_S * 1000;
  const tally: Tally = { requests: 0, byStatus: new Map(), byRoute: new Map(), problems: [], hashed: 0 };

  const posts = { accepted: 0, busy: 0, other: [] as string[] };
  const trigger = (async () => {
    while (Date.now() < until) {
      try {
        const res = await fetch(`${s.base}/v1/runs`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ bundle: BUNDLE }), signal: AbortSignal.timeout(20_000) });
        const body = (await res.json()) as { id?: string };
        if (res.status === 202) {
          posts.accepted++;
          if (body.id) ids.push(body.id);
          // Leave the runner idle for one schedule period after the requested
          // run ends: a tick that finds a run in flight is skipped by design,
          // and a client that re-posts at once (runs take over a second in a
          // run process under this load) would starve the schedule.
          await waitUntilFinished(s.base, body.id!);
          await new Promise((r) => setTimeout(r, 2000));
          continue;
        } else if (res.status === 409) posts.busy++;
        else posts.other.push(`POST /v1/runs → ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      } catch (err) {
        posts.other.push(`POST /v1/runs: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  await Promise.all([trigger, ...Array.from({ length: CLIENTS }, (_, n) => client(s.base, n, until, ids, tally))]);
  const seconds = DURATION_S;
  t.comment(`${tally.requests} requests in ${seconds} s (${Math.round(tally.requests / seconds)}/s) by ${CLIENTS} clients; statuses ${JSON.stringify(Object.fromEntries(tally.byStatus))}; routes ${JSON.stringify(Object.fromEntries(tally.byRoute))}; ${tally.hashed} run documents re-hashed; POST /v1/runs: ${posts.accepted} accepted, ${posts.busy} × 409`);

  t.same(tally.problems, [], 'every answer was a complete 200');
  t.same(posts.other, [], 'POST /v1/runs answered only 202 or 409');
  t.notOk([...tally.byStatus.keys()].some((c) => c >= 500), 'no 5xx');
  t.ok(tally.requests >= CLIENTS * 2, `the clients kept the daemon busy (${tally.requests} requests)`);
  t.ok(tally.hashed > 0, 'completed run documents were read back and re-hashed during the load');

  const exit = await s.stop();
  t.same(exit, { code: 0, signal: null }, 'SIGTERM after the load: clean exit');
  const output = s.rawStdout() + s.rawStderr();
  t.notMatch(output, /SQLITE_BUSY|database is locked/i, 'no SQLITE_BUSY in the daemon output');
  const errors = s.lines.filter((l) => Number(l.level) >= 50);
  t.same(errors.map((l) => l.msg), [], 'no error-level log line');

  const dbFile = join(dir, 'pathaudit.db');
  const db = new Database(dbFile, { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check = ok');
  db.close();
  const store = openStore(dbFile);
  const finished = (store.db.prepare("SELECT trigger, count(*) AS n FROM runs WHERE hash IS NOT NULL GROUP BY trigger").all() as Array<{ trigger: string; n: number }>);
  t.comment(`runs written during the load: ${JSON.stringify(finished)}`);
  t.ok(finished.reduce((n, r) => n + r.n, 0) >= 2, 'runs were written while the clients read');
  t.ok(finished.some((r) => r.trigger === 'schedule'), 'the schedule wrote runs too');
  t.same(store.runs.verifyChain(), [], 'the chain holds');
  store.close();
});
