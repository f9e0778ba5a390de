// `pathaudit runs`: the run history from the CLI, newest first, the same page
// GET /v1/runs gives, in text and JSON, with its filters and bad input refused.
import t from 'tap';
import { cli } from '../helpers/cli.js';
import { AUTH, BUNDLE, testApi } from './api/helpers.js';

t.test('runs lists the runs newest first in text and JSON, as /v1/runs does, with --limit, --bundle and --status', async (t) => {
  const { gw, api } = await testApi(t);
  const cfg = ['--config', gw.configFile];

  const empty = await cli(['runs', ...cfg]);
  t.equal(empty.code, 0);
  t.match(empty.stdout, /no runs recorded yet/);

  const ids: string[] = [];
  for (const args of [['--bundle', BUNDLE], ['--check', 'broker-transport'], ['--bundle', BUNDLE]]) {
    const r = await cli(['run', ...args, '--format', 'json', ...cfg]);
    t.equal(r.code, 0, r.stderr);
    ids.push(JSON.parse(r.stdout).run.id);
  }
  t.equal((await cli(['baseline', 'set', ids[0]!, ...cfg])).code, 0);

  const json = await cli(['runs', '--format', 'json', ...cfg]);
  t.equal(json.code, 0, json.stderr);
  const page = JSON.parse(json.stdout);
  t.same(page.items.map((i: { id: string }) => i.id), [...ids].reverse(), 'newest first');
  const viaApi = (await api.app.inject({ method: 'GET', url: '/v1/runs?limit=20', headers: AUTH })).json();
  t.same(page, viaApi, 'the same page /v1/runs gives');

  const text = await cli(['runs', ...cfg]);
  t.equal(text.code, 0);
  const lines = text.stdout.trim().split('\n');
  t.equal(lines.length, 4, 'one line per run and a footer');
  t.match(lines[0]!, new RegExp(`^${ids[2]}  completed  \\S+\\s+\\d+\\.\\d s  ${BUNDLE}\\s+cli\\s+ `));
  t.match(lines[1]!, /checks:broker-transport/);
  t.match(lines[2]!, new RegExp(`^${ids[0]} .*\\[baseline\\]$`), 'the baseline is marked');
  t.match(lines[3]!, /^1–3 of 3 runs, newest first$/);

  const two = await cli(['runs', '--limit', '2', ...cfg]);
  t.match(two.stdout, /1–2 of 3 runs, newest first \(more: --offset 2\)/);
  const byBundle = JSON.parse((await cli(['runs', '--bundle', BUNDLE, '--format', 'json', ...cfg])).stdout);
  t.same(byBundle.items.map((i: { id: string }) => i.id), [ids[2], ids[0]]);
  t.equal(byBundle.total, 2);
  const aborted = JSON.parse((await cli(['runs', '--status', 'aborted', '--format', 'json', ...cfg])).stdout);
  t.same(aborted, { total: 0, limit: 20, offset: 0, items: [] });

  for (const [args, why] of [
    [['--limit', '0'], /--limit: expected a whole number from 1 to 500 \(got "0"\)/],
    [['--limit', 'ten'], /--limit: expected a whole number/],
    [['--offset', '-1'], /--offset: expected a whole number/],
    [['--status', 'done'], /argument 'done' is invalid/],
  ] as const) {
    const r = await cli(['runs', ...args, ...cfg]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, why);
  }
});
