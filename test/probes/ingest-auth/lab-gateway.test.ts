// The lab gateway's ingest relay: weak → hardened in place keeps the ingest
// URL (and so the resource ids), the way an operator hardens a real gateway.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { labGateway, load, resultOf, runChecks } from '../../helpers/lab.js';
import { requestEvidence } from './relay-helpers.js';

t.test('lab gateway weak → hardened reconfigure keeps the same ingest URL and turns IA-01 from 2xx to 401, with 202 for the token', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const url = gw.config.ingest!.url;
  t.match(url, /^https:\/\/127\.0\.0\.1:\d+\/v1\/ingest$/, 'the generated config names the relay');
  t.equal(gw.relay.url, url);
  t.match(readFileSync(gw.configFile, 'utf8'), url, 'the YAML file carries the ingest section');
  const token = readFileSync(gw.config.ingest!.auth!.token_file!, 'utf8').trim();
  t.ok(token.length >= 20, 'a token was written to the secret file');

  const before = await runChecks(load(gw.configFile), ['ingest-auth']);
  const weak01 = resultOf(before, 'IA-01');
  t.equal(weak01.status, 'fail');
  t.equal(requestEvidence(before, 'no-credentials').data.response.status, 200, 'weak relay: 2xx without credentials');
  t.equal(resultOf(before, 'IA-04').status, 'fail', 'weak relay answers plain HTTP on the same port');

  const port = gw.relay.port;
  await gw.reconfigure('hardened');
  t.equal(gw.profile, 'hardened');
  t.equal(gw.relay.port, port, 'the relay restarted on the same port');
  t.equal(gw.relay.url, url, 'the relay URL is unchanged');
  t.equal(gw.config.ingest!.url, url, 'the config keeps the same ingest URL');
  t.equal(load(gw.configFile).config.ingest!.url, url, 'and so does the file on disk');
  t.ok(gw.broker.listeners.length > 0, 'the broker came back too');

  const after = await runChecks(load(gw.configFile), ['ingest-auth']);
  t.equal(requestEvidence(after, 'no-credentials').data.response.status, 401, 'hardened relay: 401 without credentials');
  t.equal(requestEvidence(after, 'valid-credential').data.response.status, 202, 'hardened relay: 202 with the token');
  for (const id of ['IA-01', 'IA-02', 'IA-03', 'IA-04', 'IA-05', 'IA-06', 'IA-07']) {
    const r = resultOf(after, id);
    t.equal(r.status, 'pass', `${id} passes after hardening: ${r.detail}`);
    t.equal(r.resource, resultOf(before, id).resource, `${id}: same resource id before and after`);
  }
  for (const doc of [before, after]) t.notOk(JSON.stringify(doc).includes(token), 'the token appears nowhere in the run document');
});
