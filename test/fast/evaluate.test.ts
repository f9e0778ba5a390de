// The fast tier: every recorded evidence case (test/fixtures/evidence, made
// by test/fast/record.ts) judged again, evaluate only — no network, no build.
// Each control gets, on each resource, the status it got when the case was
// recorded, and the severity where evaluate sets one (it varies).
import t from 'tap';
import { judge, readCases, rowKey } from './cases.js';

const cases = readCases();

t.ok(cases.length > 0, 'recorded cases are there (npm run record:evidence writes them)');

for (const c of cases) {
  t.test(`${c.check} ${c.name}`, async (t) => {
    const results = await judge(c);
    const byRow = new Map(results.map((r) => [rowKey(r), r]));
    t.same([...byRow.keys()].sort(), c.expected.map(rowKey).sort(), 'the same controls on the same resources');
    for (const e of c.expected) {
      const r = byRow.get(rowKey(e));
      t.equal(r?.status, e.status, `${rowKey(e)}: ${e.status}`);
      if (e.severity || r?.severity) t.equal(r?.severity, e.severity, `${rowKey(e)}: severity ${e.severity ?? 'the control default'}`);
    }
  });
}
