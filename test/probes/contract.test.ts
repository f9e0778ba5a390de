// One contract test for every check's controls: metadata complete and valid,
// ids unique, well-formed and stable (the shipped list below may only grow).
import t from 'tap';
import { CHECK_INFOS } from '../../probes/catalogue.js';
import { CHECKS } from '../../probes/index.js';
import { SEVERITIES, STANDARDS } from '../../probes/types.js';

/** Controls shipped so far. Removing or renaming one breaks users' waivers and deltas: add, never edit. */
const SHIPPED = ['BT-01', 'BT-02', 'BT-03', 'BT-04', 'BT-05', 'BT-06', 'BT-07', 'BT-08', 'TI-01', 'TI-02', 'TI-03', 'TI-04', 'TI-05', 'TI-06', 'TI-07', 'TI-08', 'IA-01', 'IA-02', 'IA-03', 'IA-04', 'IA-05', 'IA-06', 'IA-07', 'BC-01', 'BC-02', 'BC-03', 'BC-04', 'BC-05', 'BC-06', 'BC-07', 'BC-08', 'BC-09', 'DC-01', 'DC-02', 'DC-03', 'DC-04', 'DC-05', 'DC-06', 'DC-07', 'DC-08', 'GG-01', 'GG-02', 'GG-03', 'GG-04', 'GG-05', 'GG-06', 'GG-07', 'GG-08', 'GG-09', 'GG-10', 'DL-01', 'DL-02', 'DL-03', 'DL-04', 'DL-05', 'BS-01', 'BS-02', 'BS-03', 'BS-04', 'BS-05'];

const standardNames = Object.values(STANDARDS);

t.test('every control has complete, valid metadata', async (t) => {
  for (const check of CHECKS) {
    t.match(check.id, /^[a-z][a-z0-9-]+$/, `${check.id}: check id is kebab-case`);
    t.ok(check.controls.length > 0, `${check.id}: has controls`);
    for (const c of check.controls) {
      t.match(c.id, /^[A-Z]{2}-\d{2}$/, `${c.id}: id shape`);
      t.ok(SEVERITIES.includes(c.severity), `${c.id}: severity ${c.severity}`);
      for (const field of ['title', 'rationale', 'remediation', 'verification'] as const)
        t.ok(typeof c[field] === 'string' && c[field].length >= 10, `${c.id}: ${field} is a sentence`);
      t.ok(['small', 'medium', 'large'].includes(c.effort), `${c.id}: effort`);
      t.ok(c.standards.length > 0, `${c.id}: maps to at least one standard`);
      for (const s of c.standards) t.ok(standardNames.some((n) => s.startsWith(`${n} `)), `${c.id}: standard "${s}" names a known framework`);
    }
  }
});

t.test('control ids are unique across checks and share their check prefix', async (t) => {
  const seen = new Map<string, string>();
  for (const check of CHECKS) {
    const prefixes = new Set(check.controls.map((c) => c.id.slice(0, 2)));
    t.equal(prefixes.size, 1, `${check.id}: one id prefix`);
    for (const c of check.controls) {
      t.notOk(seen.has(c.id), `${c.id} is unique (also in ${seen.get(c.id)})`);
      seen.set(c.id, check.id);
    }
  }
});

t.test('shipped control ids are still present (ids are stable)', async (t) => {
  const all = new Set(CHECKS.flatMap((c) => c.controls.map((x) => x.id)));
  for (const id of SHIPPED) t.ok(all.has(id), `${id} still exists`);
});

t.test('the catalogue the daemon loads names the same checks, in the same order, with the same controls as the registry', async (t) => {
  t.same(
    CHECK_INFOS.map((c) => [c.id, c.title, c.controls.map((m) => m.id)]),
    CHECKS.map((c) => [c.id, c.title, c.controls.map((m) => m.id)]),
  );
  for (const c of CHECKS) t.equal(CHECK_INFOS.find((i) => i.id === c.id)?.notConfigured, c.notConfigured, `${c.id}: one notConfigured`);
});
