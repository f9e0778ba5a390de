// The strict Semantic Versioning 2.0.0 compare behind TI-07.
import t from 'tap';
import { compareSemver, parseSemver } from '../../../probes/telemetry/semver.js';

const v = (s: string) => {
  const p = parseSemver(s);
  if (!p) throw new Error(`${s} should parse`);
  return p;
};

t.test('precedence follows semver.org §11, including its own example order', async (t) => {
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '1.10.0', '2.0.0'];
  for (let i = 0; i < ordered.length; i++)
    for (let j = 0; j < ordered.length; j++) {
      const a = ordered[i] ?? '';
      const b = ordered[j] ?? '';
      t.equal(compareSemver(v(a), v(b)), Math.sign(i - j), `${a} vs ${b}`);
    }
});

t.test('build metadata does not count; a leading v is accepted', async (t) => {
  t.equal(compareSemver(v('2.4.0+build.7'), v('2.4.0+build.9')), 0);
  t.equal(compareSemver(v('v2.4.1'), v('2.4.0')), 1);
  t.same(v('1.2.3-rc.10.x'), { major: 1, minor: 2, patch: 3, prerelease: ['rc', 10, 'x'] });
});

t.test('anything that is not semantic versioning is refused, never guessed at', async (t) => {
  for (const s of ['2.4', '2', '2.4.0.1', '02.4.0', '2.4.0-', '2.4.0-01', 'build-77', '', 'V2.4.0', '2.4.0 ', '99999999999999999999.0.0'])
    t.equal(parseSemver(s), null, JSON.stringify(s));
});
