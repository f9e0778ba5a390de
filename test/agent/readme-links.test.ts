// Every cross-reference in the README resolves, and it names no file outside
// the repository: each in-page link (#anchor) names a heading, each file it
// names in a link or a code span (`agent/…`, `test/…`, `systemd/…`) exists
// in the checkout, and the example config's `README "Section"` pointers name
// sections that exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { anchorOf } from '../../scripts/gen-catalogue.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** The README without its fenced code blocks (a `#` there is a comment, not a heading). */
const PROSE = README.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

function headings(): string[] {
  const seen = new Map<string, number>();
  return [...PROSE.matchAll(/^#{1,6} (.+)$/gm)].map((m) => {
    const base = anchorOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}-${n}` : base;
  });
}

/** Paths of the repository a code span may name: a top-level folder's file or folder, or a root file. */
/** Files the README's examples create (`npm run new-check -- modem-link …` writes its folder), not ones it claims exist. */
const MADE_BY_EXAMPLES = new Set(['probes/modem-link/']);

const REPO_PATH = /^(?:(?:agent|probes|config|scripts|systemd|test|docs|\.ci)\/[\w./-]*|package\.json|README\.md|tsconfig\.json)$/;

t.test('README names no file outside the repository', async (t) => {
  t.notMatch(README, /DESIGN\.md|STYLE\.md|\.\.\/shared|\]\(\.\.\//, 'no DESIGN.md, STYLE.md or ../ reference');
});

t.test('every in-page link names a heading', async (t) => {
  const anchors = new Set(headings());
  const links = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  t.ok(links.length >= 10, `${links.length} in-page links`);
  for (const a of new Set(links)) t.ok(anchors.has(a), `#${a} is a heading`);
});

t.test('every repository file the README names exists', async (t) => {
  const linked = [...README.matchAll(/\]\((?!#|https?:)([^)\s]+)\)/g)].map((m) => m[1]!);
  const spans = [...README.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!).filter((p) => REPO_PATH.test(p) && !/[<>*{]/.test(p));
  const names = [...new Set([...linked, ...spans])].filter((p) => !MADE_BY_EXAMPLES.has(p));
  t.ok(names.length >= 15, `${names.length} file references`);
  for (const p of names) t.ok(existsSync(join(ROOT, p)), `${p} exists`);
});

t.test('the example config points at README sections that exist', async (t) => {
  const example = readFileSync(join(ROOT, 'config/pathaudit.example.yaml'), 'utf8');
  const titles = [...PROSE.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim());
  const refs = [...example.matchAll(/README "([^"]+)"/g)].map((m) => m[1]!);
  t.ok(refs.length >= 1, 'the example names a README section');
  for (const r of refs) t.ok(titles.includes(r), `README section "${r}"`);
});

t.test('the checker can fail: a missing anchor and a missing file are caught', async (t) => {
  t.notOk(new Set(headings()).has('no-such-section'), 'an unknown anchor is not a heading');
  t.notOk(existsSync(join(ROOT, 'agent/no-such-file.ts')), 'an unknown file does not exist');
  t.equal(anchorOf('`broker-cert` — Broker and ingest certificates as served: expiry, names'), 'broker-cert--broker-and-ingest-certificates-as-served-expiry-names', 'GitHub anchors drop punctuation and keep the double dash');
});
