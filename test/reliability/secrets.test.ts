// Secrets never leave their files. With known, distinctive values in every
// secret file — the broker password, the ingest bearer token, the API token,
// and the HS256 key of an ingest JWT config — audits run through the CLI and
// through `serve` (debug log level), then every artefact is searched:
//   the SQLite file and its -wal, the daemon's stdout/stderr, the CLI's
//   output, every report format of every run (`report RUN --format …`), every
//   bundle (`bundle export` and GET /v1/runs/:id/bundle, gunzipped tar bytes),
// for each value, its base64 and base64url forms (and the Basic-auth form of
// the broker login): zero hits. The gateway's signing key and the broker's
// TLS private key must not appear in any bundle or report either.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../config/schema/index.js';
import { REPORT_FORMATS, renderReport } from '../../agent/reports/index.js';
import { openStore } from '../../agent/store/index.js';
import { startLabRelay, RELAY_PROFILES } from '../../agent/lab/relay.js';
import { freePort } from '../agent/api/helpers.js';
import { labGateway } from '../helpers/lab.js';
import { cliRun } from './cli-child.js';
import { serve } from './serve-child.js';


const STAMP = Date.now().toString(36);
const SECRETS = {
  apiToken: `APItok-Zq7${STAMP}-never-log-me-41d9`,
  jwtSecret: `JWTkey-Xw3${STAMP}-hmac-material-77ce`,
};

/** The forms a value could leak in: as is, base64, base64url. */
function formsOf(value: string): string[] {
  const b = Buffer.from(value);
  return [...new Set([value, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url')])];
}

function hits(haystack: Buffer, needles: Array<{ name: string; value: string }>): string[] {
  const found: string[] = [];
  for (const n of needles) for (const form of formsOf(n.value)) if (haystack.includes(Buffer.from(form))) found.push(`${n.name} (${form === n.value ? 'as is' : `encoded: ${form.slice(0, 12)}…`})`);
  return found;
}

t.test('known secrets in every secret file never reach the store, logs, reports or bundles (CLI and serve at debug level)', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const dir = gw.dir;
  const brokerPassword = readFileSync(gw.config.broker!.auth!.password_file!, 'utf8').trim();
  const ingestToken = readFileSync(gw.config.ingest!.auth!.token_file!, 'utf8').trim();
  t.ok(brokerPassword.length >= 12 && ingestToken.length >= 12, 'the lab wrote distinctive broker password and ingest token');

  // The API token, and a second config on the same store auditing a JWT relay with its HS256 key.
  const apiTokenFile = join(dir, 'secrets', 'api-token');
  writeFileSync(apiTokenFile, `${SECRETS.apiToken}\n`, { mode: 0o600 });
  const jwtSecretFile = join(dir, 'secrets', 'ingest-jwt-key');
  writeFileSync(jwtSecretFile, `${SECRETS.jwtSecret}\n`, { mode: 0o600 });
  const config: PathauditConfig = { ...gw.config, api: { listen: `127.0.0.1:${await freePort()}`, token_file: apiTokenFile } };
  writeFileSync(gw.configFile, stringify(config));
  const jwtRelay = await startLabRelay({ knobs: { ...RELAY_PROFILES.hardened, auth: 'jwt' }, server: gw.pki.server, jwtSecret: SECRETS.jwtSecret });
  t.teardown(() => jwtRelay.close());
  const jwtConfigFile = join(dir, 'pathaudit-jwt.yaml');
  const jwtConfig: PathauditConfig = {
    gateway: config.gateway,
    ingest: { url: jwtRelay.url, servername: 'gateway.local', ca_file: config.ingest!.ca_file, auth: { type: 'jwt', jwt_secret_file: jwtSecretFile } },
    store: config.store,
  };
  writeFileSync(jwtConfigFile, stringify(jwtConfig));

  const needles = [
    { name: 'broker password', value: brokerPassword },
    { name: 'broker Basic login', value: `${gw.config.broker!.auth!.username}:${brokerPassword}` },
    { name: 'ingest token', value: ingestToken },
    { name: 'API token', value: SECRETS.apiToken },
    { name: 'JWT secret', value: SECRETS.jwtSecret },
  ];
  const outputs: Array<{ where: string; data: Buffer }> = [];

  // CLI audits: the full baseline bundle on the lab, and ingest-auth against the JWT relay.
  const cliAudit = await cliRun(t, ['run', '--bundle', 'audit-baseline', '--config', gw.configFile, '--format', 'json']);
  t.ok(cliAudit.code === 0 || cliAudit.code === 1, `CLI audit-baseline run (exit ${cliAudit.code}; ${cliAudit.stderr.slice(0, 300)})`);
  outputs.push({ where: 'CLI run output', data: Buffer.from(cliAudit.stdout + cliAudit.stderr) });
  const jwtAudit = await cliRun(t, ['run', '--check', 'ingest-auth', '--config', jwtConfigFile, '--format', 'json']);
  t.ok(jwtAudit.code === 0 || jwtAudit.code === 1, `CLI JWT ingest run (exit ${jwtAudit.code}; ${jwtAudit.stderr.slice(0, 300)})`);
  outputs.push({ where: 'CLI JWT run output', data: Buffer.from(jwtAudit.stdout + jwtAudit.stderr) });
  const jwtDoc = JSON.parse(jwtAudit.stdout) as { results: Array<{ control: string; status: string }> };
  t.equal(jwtDoc.results.find((r) => r.control === 'IA-03')?.status, 'pass', 'the probe used the JWT key: the valid token it minted was accepted');

  // serve at debug level: a run over the API, requests with the right and a wrong token, a bundle over HTTP.
  const s = await serve(t, gw.configFile, { PATHAUDIT_LOG_LEVEL: 'debug' });
  const auth = { authorization: `Bearer ${SECRETS.apiToken}` };
  t.equal((await fetch(`${s.base}/v1/posture`, { headers: { authorization: `Bearer ${SECRETS.apiToken}-wrong` } })).status, 401, 'a wrong token is refused');
  const post = await fetch(`${s.base}/v1/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ bundle: 'audit-baseline' }) });
  t.equal(post.status, 202);
  const { id: apiRunId } = (await post.json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    const doc = (await (await fetch(`${s.base}/v1/runs/${apiRunId}`, { headers: auth })).json()) as { run: { status: string } };
    if (doc.run.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 150));
  }
  const httpBundle = Buffer.from(await (await fetch(`${s.base}/v1/runs/${apiRunId}/bundle`, { headers: auth })).arrayBuffer());
  outputs.push({ where: 'GET /v1/runs/:id/bundle (gunzipped)', data: gunzipSync(httpBundle) });
  for (const format of REPORT_FORMATS) {
    const res = await fetch(`${s.base}/v1/runs/${apiRunId}/report?format=${format}`, { headers: auth });
    outputs.push({ where: `GET report?format=${format}`, data: Buffer.from(await res.arrayBuffer()) });
  }
  outputs.push({ where: 'serve: WAL while running', data: existsSync(join(dir, 'pathaudit.db-wal')) ? readFileSync(join(dir, 'pathaudit.db-wal')) : Buffer.alloc(0) });
  const exit = await s.stop();
  t.equal(exit.code, 0, 'serve stopped cleanly');
  // (No module logs at debug today; the level is set so that anything added later is covered.)
  t.ok(s.lines.some((l) => l.runId === apiRunId && l.worker === 'process'), "the run process's log lines were captured");
  outputs.push({ where: 'serve stdout (debug log)', data: Buffer.from(s.rawStdout()) }, { where: 'serve stderr', data: Buffer.from(s.rawStderr()) });

  // Every run in the store: every report format and a bundle through the CLI.
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(dir, 'pathaudit.db'), { readonly: true });
  const runIds = (db.prepare("SELECT id FROM runs WHERE hash IS NOT NULL ORDER BY seq").all() as Array<{ id: string }>).map((r) => r.id);
  db.close();
  t.equal(runIds.length, 3, 'three runs stored: CLI, CLI JWT, API');
  // Every report format of every run: through the CLI for the JWT run (the one holding the JWT key's
  // work), in-process through the same renderReport the CLI calls for the others (a CLI start costs
  // ~1 s of CPU here). A bundle of every run through the CLI.
  const jwtRunId = runIds[1]!;
  const store = openStore(join(dir, 'pathaudit.db'));
  for (const id of runIds.filter((x) => x !== jwtRunId))
    for (const format of REPORT_FORMATS) outputs.push({ where: `report ${id} ${format}`, data: Buffer.from(renderReport(store.runs.get(id)!, format, { store }).body) });
  store.close();
  const cliJobs = [
    ...REPORT_FORMATS.map((format) => async () => {
      const r = await cliRun(t, ['report', jwtRunId, '--format', format, '--config', gw.configFile]);
      t.equal(r.code, 0, `report ${jwtRunId} --format ${format}`);
      outputs.push({ where: `report ${jwtRunId} ${format} (CLI)`, data: Buffer.from(r.stdout + r.stderr) });
    }),
    ...runIds.map((id) => async () => {
      const out = join(dir, `${id}.tar.gz`);
      const b = await cliRun(t, ['bundle', 'export', id, '--out', out, '--config', gw.configFile]);
      t.equal(b.code, 0, `bundle export ${id}`);
      outputs.push({ where: `bundle ${id} (gunzipped)`, data: gunzipSync(readFileSync(out)) }, { where: `bundle export ${id} output`, data: Buffer.from(b.stdout + b.stderr) });
    }),
  ];
  // Three CLI processes at a time.
  await Promise.all([0, 1, 2].map(async () => {
    for (let job = cliJobs.shift(); job; job = cliJobs.shift()) await job();
  }));
  for (const f of ['pathaudit.db', 'pathaudit.db-wal']) if (existsSync(join(dir, f))) outputs.push({ where: f, data: readFileSync(join(dir, f)) });

  // The search itself works: it finds each value where it is, in any of its forms.
  t.same(hits(readFileSync(apiTokenFile), needles), ['API token (as is)'], 'the search finds a secret in its own file');
  t.ok(hits(Buffer.from(`x${Buffer.from(SECRETS.jwtSecret).toString('base64')}x`), needles).length > 0, 'and in its base64 form');

  // The JWTs the probe minted from the key are live credentials too: no HS256 JWT anywhere.
  const jwtHeader = Buffer.from('{"alg":"HS256"').toString('base64url').slice(0, 16);
  t.same(outputs.filter((o) => o.data.includes(Buffer.from(jwtHeader))).map((o) => o.where), [], 'no minted JWT in any artefact');

  const leaks = outputs.flatMap((o) => hits(o.data, needles).map((h) => `${h} in ${o.where}`));
  t.same(leaks, [], `no secret in ${outputs.length} artefacts (${Math.round(outputs.reduce((n, o) => n + o.data.length, 0) / 1024)} KiB searched)`);

  // Private keys: the gateway's signing key (pkcs8 DER, its base64, the raw 32-byte seed) and the broker's TLS key.
  const gatewayKey = createPrivateKey(readFileSync(join(dir, 'gateway-key.pem')));
  const der = gatewayKey.export({ type: 'pkcs8', format: 'der' });
  const seed = Buffer.from(gatewayKey.export({ format: 'jwk' }).d!, 'base64url');
  const brokerKeyDer = createPrivateKey(readFileSync(gw.config.broker!.key_file!)).export({ type: 'pkcs8', format: 'der' });
  const keyForms = [
    { name: 'gateway key DER', bytes: der },
    { name: 'gateway key base64', bytes: Buffer.from(der.toString('base64').slice(0, 48)) },
    { name: 'gateway key seed', bytes: seed },
    { name: 'gateway key seed base64url', bytes: Buffer.from(seed.toString('base64url')) },
    { name: 'broker TLS key base64', bytes: Buffer.from(brokerKeyDer.toString('base64').slice(20, 80)) },
    { name: 'a PEM private key block', bytes: Buffer.from('PRIVATE KEY-----') },
  ];
  const keyLeaks = outputs.filter((o) => !/^pathaudit\.db/.test(o.where)).flatMap((o) => keyForms.filter((k) => o.data.includes(k.bytes)).map((k) => `${k.name} in ${o.where}`));
  t.same(keyLeaks, [], 'no private key material in any bundle, report or log');
});
