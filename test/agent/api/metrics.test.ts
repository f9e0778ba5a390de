// /metrics for a fleet: posture, per-control status, findings by severity,
// regressions against the baseline, certificate expiry (broker, ingest,
// devices), the latest run of each bundle and the schedules' cadence — from
// real runs against the lab (aedes, relay, three simulated STM32 devices) —
// and the bound on cardinality: past api.metrics_max_resources, resources,
// certificates and bundles fold into one (overflow) series, failing results
// and soonest expiries kept.
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { buildApp } from '../../../agent/api/app.js';
import { OVERFLOW } from '../../../agent/api/metric-caps.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { startDaemon } from '../../../agent/daemon/serve.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { silentLogger } from '../../../agent/log.js';
import { openStore, storePathOf } from '../../../agent/store/index.js';
import { labGateway, load } from '../../helpers/lab.js';
import { parseMetrics, series } from '../../helpers/prom.js';
import { AUTH, freePort, TOKEN, waitForRun } from './helpers.js';

const notAfterOf = (pem: string) => Date.parse(new X509Certificate(pem).validTo) / 1000;

t.test('metrics carry posture, regressions against the baseline, certificate expiry and bundle runs; the cap folds the rest', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened', devices: 'demo' });
  const tokenFile = join(gw.dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const write = (extra: object) => writeFileSync(gw.configFile, stringify({ ...gw.config, gateway: { id: 'gw-test-01', site: 'lab' }, api: { listen: '127.0.0.1:1', token_file: tokenFile }, ...extra }));
  write({});
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger() });
  const api = await buildApp({ store, config: () => loaded, runs });
  t.teardown(async () => {
    await runs.stop(5000);
    await api.app.close();
    store.close();
  });
  const run = async (bundle: string) => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle } });
    t.equal(res.statusCode, 202, `${bundle} accepted`);
    return waitForRun(api, res.json().id, 60_000);
  };
  const scrape = async (app = api.app) => parseMetrics((await app.inject({ method: 'GET', url: '/metrics', headers: AUTH })).body);

  // Audit on the hardened path, marked as the baseline; then the path weakens.
  const baseline = await run('audit-baseline');
  t.equal((await api.app.inject({ method: 'PUT', url: '/v1/baseline', headers: AUTH, payload: { runId: baseline.run.id } })).statusCode, 200);
  let m = await scrape();
  t.same(series(m, 'pathaudit_info')[0]?.labels, { gateway_id: 'gw-test-01', gateway_site: 'lab', version: series(m, 'pathaudit_info')[0]?.labels.version }, 'pathaudit_info names the gateway and its site');
  t.ok(series(m, 'pathaudit_baseline_timestamp_seconds')[0]!.value > 0, 'the baseline is there');
  t.equal(series(m, 'pathaudit_baseline_regressions').reduce((a, s) => a + s.value, 0), 0, 'no regression against itself');

  await gw.reconfigure('weak');
  const weak = await run('full');
  m = await scrape();
  t.equal(series(m, 'pathaudit_posture', { posture: 'exposed' })[0]?.value, 1, 'posture exposed');
  t.equal(series(m, 'pathaudit_posture', { posture: 'hardened' })[0]?.value, 0);
  t.ok((series(m, 'pathaudit_findings', { severity: 'critical' })[0]?.value ?? 0) >= 1, `critical findings counted: ${JSON.stringify(series(m, 'pathaudit_findings'))}`);
  const regressed = series(m, 'pathaudit_baseline_regressions').filter((s) => s.value > 0);
  t.ok(regressed.some((s) => s.labels.control === 'BT-03' && s.labels.check === 'broker-transport'), `regressions against the baseline per control: ${regressed.map((s) => `${s.labels.control}=${s.value}`).join(' ')}`);
  const doc = weak as unknown as { results: Array<{ check: string; control: string; resource: string; status: string }> };
  const bt03 = doc.results.find((r) => r.control === 'BT-03' && r.status === 'fail')!;
  t.equal(series(m, 'pathaudit_control_status', { control: 'BT-03', resource: bt03.resource, status: 'fail' })[0]?.value, 1, 'per-control status');
  t.equal(series(m, 'pathaudit_control_failing', { control: 'BT-03', resource: bt03.resource })[0]?.value, 1);

  // Certificates: the broker's and the relay's as served, each device's from its file.
  const certs = series(m, 'pathaudit_certificate_not_after_timestamp_seconds');
  const server = notAfterOf(gw.pki.server.certPem);
  t.ok(certs.some((s) => s.labels.kind === 'broker' && s.labels.certificate?.startsWith('mqtts ') && s.value === server), 'the broker certificate served on mqtts');
  t.ok(certs.some((s) => s.labels.kind === 'ingest' && s.labels.certificate?.startsWith('ingest https://') && s.value === server), 'the ingest certificate');
  for (const id of ['stm32-01', 'stm32-02', 'stm32-03']) {
    const expected = notAfterOf(readFileSync(join(gw.dir, 'devices', `${id}.pem`), 'utf8'));
    t.equal(series(m, 'pathaudit_certificate_not_after_timestamp_seconds', { kind: 'device', certificate: `device ${id}` })[0]?.value, expected, `device ${id}`);
  }
  const days = (series(m, 'pathaudit_certificate_not_after_timestamp_seconds', { certificate: 'device stm32-01' })[0]!.value - Date.now() / 1000) / 86400;
  t.ok(days > 8 && days < 11, `stm32-01 expires in ${days.toFixed(1)} days (the lab made it 10)`);

  // The latest run of each bundle, by status, with its duration.
  for (const [bundle, d] of [['audit-baseline', baseline], ['full', weak]] as const) {
    t.equal(series(m, 'pathaudit_bundle_last_run_timestamp_seconds', { bundle, status: 'completed' })[0]?.value, Date.parse(d.run.finishedAt as string) / 1000, `${bundle}: last completed run`);
    t.ok(series(m, 'pathaudit_bundle_last_run_duration_seconds', { bundle, status: 'completed' })[0]!.value > 0, `${bundle}: its duration`);
  }
  t.same(series(m, 'pathaudit_metrics_folded').map((s) => s.value), [0, 0, 0], 'nothing folded under the default cap');

  // The same store under a cap of 2.
  write({ api: { listen: '127.0.0.1:1', token_file: tokenFile, metrics_max_resources: 2 } });
  const capped = load(gw.configFile);
  const api2 = await buildApp({ store, config: () => capped, runs });
  t.teardown(() => api2.app.close());
  m = await scrape(api2.app);
  const resources = new Set(series(m, 'pathaudit_control_status').map((s) => s.labels.resource!));
  const all = new Set(doc.results.map((r) => r.resource));
  t.equal(resources.size, 3, `2 resources kept + ${OVERFLOW} (of ${all.size})`);
  t.ok(resources.has(OVERFLOW));
  for (const r of resources) if (r !== OVERFLOW) t.ok(series(m, 'pathaudit_control_failing', { resource: r }).some((s) => s.value === 1), `kept resource ${r} has a failing result`);
  const statusTotal = series(m, 'pathaudit_control_status').reduce((a, s) => a + s.value, 0);
  t.equal(statusTotal, series(await scrape(), 'pathaudit_control_status').length, 'every result is still counted (kept 1 each, folded in the overflow count)');
  t.equal(series(m, 'pathaudit_metrics_folded', { label: 'resource' })[0]?.value, all.size - 2, 'the folded resources are counted');
  const c2 = series(m, 'pathaudit_certificate_not_after_timestamp_seconds');
  const soonest = Math.min(...certs.map((s) => s.value));
  t.ok(c2.some((s) => s.labels.certificate === 'device stm32-01'), 'the soonest-expiring certificate is kept');
  t.equal(c2.filter((s) => s.labels.certificate !== OVERFLOW).length, 2, 'two certificates kept');
  t.ok(c2.filter((s) => s.labels.certificate === OVERFLOW).every((s) => s.value >= soonest), 'the overflow series holds the earliest of the rest, per kind');
  t.equal(series(m, 'pathaudit_metrics_folded', { label: 'certificate' })[0]?.value, certs.length - 2);
});

t.test('a scheduled bundle exports how often it runs', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const tokenFile = join(gw.dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    gw.configFile,
    stringify({
      ...gw.config,
      api: { listen: `127.0.0.1:${port}`, token_file: tokenFile },
      bundles: { transport: ['broker-transport'] },
      schedules: [
        { bundle: 'transport', cron: '0 */6 * * *' },
        { bundle: 'full', cron: '0 3 * * 1-5', jitter_s: 600 },
        { snapshot: 'monthly', cron: '0 3 1 * *' },
      ],
    }),
  );
  const daemon = await startDaemon({ configFile: gw.configFile, log: silentLogger(), executor: inProcessExecutor });
  t.teardown(() => daemon.stop('test over'));
  const m = parseMetrics((await daemon.api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH })).body);
  t.equal(series(m, 'pathaudit_schedule_interval_seconds', { bundle: 'transport' })[0]?.value, 6 * 3600, 'every 6 h');
  t.equal(series(m, 'pathaudit_schedule_interval_seconds', { bundle: 'full' })[0]?.value, 3 * 86400 + 600, 'weekdays: the weekend gap (3 days) plus the jitter');
  t.equal(series(m, 'pathaudit_schedule_interval_seconds').length, 2, 'snapshots are not bundles');
});
