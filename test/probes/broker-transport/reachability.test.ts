// What was not observed never passes: a broker that is down is "unreachable"
// on every control, and a delta to such a run improves and resolves nothing;
// one closed listener among answering ones is a deliberate closing.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { stringify } from 'yaml';
import { computeDelta } from '../../../agent/evidence/delta.js';
import { freePort, labGateway, load, resultOf, runChecks } from '../../helpers/lab.js';

t.test('a weak broker, then stopped: every BT control is error "broker unreachable"; the delta shows 0 improved, 0 resolved', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const loaded = load(gw.configFile);
  const weak = await runChecks(loaded, ['broker-transport']);
  t.ok(weak.findings.length >= 5, `the weak broker has findings (${weak.findings.length})`);
  await gw.broker.close();
  const down = await runChecks(loaded, ['broker-transport']);
  t.equal(down.results.length, weak.results.length, 'the same controls on the same resources');
  for (const r of down.results) t.match(r, { status: 'error', detail: /^broker unreachable: no declared listener accepts a TCP connection/ }, `${r.control} ${r.resource}`);
  t.same(
    down.results.map((r) => `${r.control} ${r.resource}`).sort(),
    weak.results.map((r) => `${r.control} ${r.resource}`).sort(),
    'resource by resource, as in the run that reached the broker',
  );
  const d = computeDelta(weak, down);
  t.equal(d.counts.improved, 0, 'no control improved');
  t.equal(d.findingCounts.resolved, 0, 'no finding resolved');
  t.equal(d.findingCounts['not-retested'], weak.findings.length, 'every finding is listed as not re-tested');
  t.match(d.headline, /^0 controls improved · 0 regressions · \d+ not re-tested/);
});

t.test('one declared listener closed while the others answer: BT-01/BT-02 pass, BT-03/BT-04/BT-08 skipped; a closed TLS port never passes BT-03/BT-04', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const retired = await freePort();
  const config = { ...gw.config, broker: { ...gw.config.broker!, listeners: [...gw.config.broker!.listeners, { name: 'mqtts-old', port: retired, tls: true }] } };
  writeFileSync(gw.configFile, stringify(JSON.parse(JSON.stringify(config))));
  const doc = await runChecks(load(gw.configFile), ['broker-transport']);
  t.match(resultOf(doc, 'BT-01', 'mqtts-old '), { status: 'pass', detail: /^no listener, so no plaintext exposure left/ });
  t.match(resultOf(doc, 'BT-02', 'mqtts-old '), { status: 'pass', detail: /^no listener, so no anonymous access here/ });
  for (const control of ['BT-03', 'BT-04', 'BT-08']) t.match(resultOf(doc, control, 'mqtts-old '), { status: 'skipped', detail: /^no listener: nothing to judge/ }, control);
  t.equal(resultOf(doc, 'BT-03', 'mqtts ').status, 'pass', 'the live TLS listener is still judged');
  t.equal(resultOf(doc, 'BT-05').status, 'pass');
  t.notOk(doc.results.some((r) => r.status === 'error'), 'nothing is error');
});
