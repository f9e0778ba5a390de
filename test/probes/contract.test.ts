// One contract test for every check of the catalogue: metadata complete and
// valid, ids unique, well-formed and stable (the shipped list may only grow),
// bundles, owners and plain words declared, probing code loadable.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { BUILTIN_BUNDLE_PURPOSES } from '../../probes/bundles.js';
import { CHECK_IDS, CHECK_INFOS, loadCheck } from '../../probes/catalogue.js';
import { SEVERITIES, STANDARDS } from '../../probes/types.js';

const shipped = (JSON.parse(readFileSync(new URL('../../probes/shipped-controls.json', import.meta.url), 'utf8')) as { ids: string[] }).ids;
const standardNames = Object.values(STANDARDS);

t.test('every control has complete, valid metadata', async (t) => {
  for (const check of CHECK_INFOS) {
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
      for (const n of c.needs ?? []) t.ok(CHECK_IDS.has(n), `${c.id}: needs check "${n}", which is in the catalogue`);
    }
  }
});

t.test('every check declares its bundles, owner, plain words and config sections', async (t) => {
  for (const check of CHECK_INFOS) {
    for (const b of check.bundles) t.ok(b in BUILTIN_BUNDLE_PURPOSES, `${check.id}: bundle "${b}" is a built-in bundle`);
    t.ok(check.owner.length >= 5, `${check.id}: owner "${check.owner}"`);
    t.ok(check.plainWords.length >= 20, `${check.id}: plain words`);
    t.ok(check.configSections.length > 0, `${check.id}: config sections`);
  }
});

t.test('control ids are unique across checks and share their check prefix', async (t) => {
  const seen = new Map<string, string>();
  for (const check of CHECK_INFOS) {
    const prefixes = new Set(check.controls.map((c) => c.id.slice(0, 2)));
    t.equal(prefixes.size, 1, `${check.id}: one id prefix`);
    for (const c of check.controls) {
      t.notOk(seen.has(c.id), `${c.id} is unique (also in ${seen.get(c.id)})`);
      seen.set(c.id, check.id);
    }
  }
});

t.test('shipped control ids are still present (ids are stable), and every control is recorded as shipped (npm run gen:docs)', async (t) => {
  const all = new Set(CHECK_INFOS.flatMap((c) => c.controls.map((x) => x.id)));
  for (const id of shipped) t.ok(all.has(id), `${id} still exists`);
  for (const id of all) t.ok(shipped.includes(id), `${id} is in probes/shipped-controls.json`);
});

t.test('every check loads its probing code: collect and evaluate', async (t) => {
  for (const info of CHECK_INFOS) {
    const check = await loadCheck(info.id);
    t.equal(typeof check.collect, 'function', `${info.id}: collect`);
    t.equal(typeof check.evaluate, 'function', `${info.id}: evaluate`);
    t.equal(check.notConfigured, info.notConfigured, `${info.id}: one notConfigured`);
  }
  await t.rejects(loadCheck('no-such-check'), /not in the catalogue/);
});
