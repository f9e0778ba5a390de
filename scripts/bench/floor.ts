// The floor under `pathaudit serve`: the chosen stack (fastify + pino +
// better-sqlite3 + node-cron) doing the least a posture daemon does, written
// the plain way. scripts/bench/serve.ts starts it beside `serve`, with the
// same environment, node flags and schedules, and reports serve's resident
// memory and posture throughput as ratios to it: the machine is shared and
// noisy, so absolute figures move from run to run while ratios measured side
// by side hold.
//
// What it does, each part the counterpart of one in serve:
//   - pino JSON lines on stdout, fastify without per-request logs;
//   - a real SQLite file in WAL mode (runs + results);
//   - node-cron with the schedules it is given (noOverlap, as serve's);
//   - GET /v1/posture behind a bearer token (sha256 + timingSafeEqual): the
//     latest finished run's results, one prepared statement, as JSON;
//   - POST /v1/runs {results}: stores a run's results in one transaction
//     (what serve does when a run ends; the bench posts serve's own run).
//
//   node dist/scripts/bench/floor.js --store FILE --listen 127.0.0.1:PORT --token-file FILE [--cron "0 3 1 1 *"]...
// Prints `{"msg":"floor ready",…}` when it listens; SIGTERM stops it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import Fastify, { LogController } from 'fastify';
import cron from 'node-cron';
import pino from 'pino';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || !args[i + 1]) throw new Error(`floor: --${name} is required`);
  return args[i + 1]!;
};
const crons = args.flatMap((a, i) => (a === '--cron' && args[i + 1] ? [args[i + 1]!] : []));

const t0 = performance.now();
const log = pino({ name: 'floor' }, pino.destination(1));
const db = new Database(opt('store'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, finished_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS results (run_id TEXT NOT NULL, idx INTEGER NOT NULL, control TEXT, check_id TEXT, resource TEXT, status TEXT, severity TEXT, detail TEXT, PRIMARY KEY (run_id, idx));`);
const latest = db.prepare('SELECT control, check_id AS "check", resource, status, severity, detail FROM results WHERE run_id = (SELECT id FROM runs ORDER BY seq DESC LIMIT 1) ORDER BY idx');
const insertRun = db.prepare('INSERT INTO runs (id, finished_at) VALUES (?, ?)');
const insertResult = db.prepare('INSERT INTO results VALUES (@run, @idx, @control, @check, @resource, @status, @severity, @detail)');
interface Result {
  control: string;
  check: string;
  resource: string;
  status: string;
  severity: string;
  detail: string;
}
const storeRun = db.transaction((id: string, results: Result[]) => {
  insertRun.run(id, new Date().toISOString());
  results.forEach((r, idx) => insertResult.run({ run: id, idx, control: r.control, check: r.check, resource: r.resource, status: r.status, severity: r.severity, detail: r.detail }));
});

const expected = createHash('sha256').update(readFileSync(opt('token-file'), 'utf8').trim()).digest();
const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1024 * 1024 });
app.addHook('onRequest', async (req, reply) => {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!m || !timingSafeEqual(createHash('sha256').update(m[1]!).digest(), expected)) return reply.code(401).send({ error: 'unauthorized' });
});
// eslint-disable-next-line @typescript-eslint/require-await -- async like serve's posture handler, so both take fastify's promise path and the ratio compares like with like
app.get('/v1/posture', async () => ({ generatedAt: new Date().toISOString(), results: latest.all() }));
app.post('/v1/runs', async (req, reply) => {
  const body = req.body as { id?: string; results?: Result[] };
  if (!body?.id || !Array.isArray(body.results)) return reply.code(400).send({ error: 'expected {id, results[]}' });
  storeRun(body.id, body.results);
  return reply.code(201).send({ id: body.id, results: body.results.length });
});

const tasks = crons.map((c) => cron.schedule(c, () => log.info({ cron: c }, 'schedule fired'), { noOverlap: true }));
const [host, port] = opt('listen').split(':') as [string, string];
await app.listen({ host, port: Number(port) });
log.info({ listen: opt('listen'), schedules: tasks.length, startMs: Math.round(performance.now() - t0) }, 'floor ready');

process.once('SIGTERM', () => {
  void (async () => {
    for (const t of tasks) await t.destroy();
    await app.close();
    db.close();
  })();
});
