// Semantic Versioning 2.0.0 (https://semver.org): parsing and precedence, the
// two things TI-07 needs. Small and strict, so no dependency: a version that
// is not semver is reported as such, never guessed at.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (§9): numbers for numeric ones, strings otherwise; empty for a release. */
  prerelease: Array<number | string>;
}

// The expression semver.org recommends, with capture groups for the parts.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * A version string → its parts, or null when it is not Semantic Versioning
 * 2.0.0. A leading `v` (`v2.4.1`, common in firmware tags) is accepted.
 */
export function parseSemver(text: string): SemVer | null {
  const m = SEMVER.exec(text.startsWith('v') ? text.slice(1) : text);
  if (!m) return null;
  const nums = [m[1], m[2], m[3]].map(Number);
  if (!nums.every(Number.isSafeInteger)) return null;
  const [major = 0, minor = 0, patch = 0] = nums;
  const prerelease = m[4] ? m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  if (prerelease.some((id) => typeof id === 'number' && !Number.isSafeInteger(id))) return null;
  return { major, minor, patch, prerelease };
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Precedence (§11): -1 when a < b, 0 when equal (build metadata is ignored, §10), 1 when a > b. */
export function compareSemver(a: SemVer, b: SemVer): -1 | 0 | 1 {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return sign(a[k] - b[k]);
  // A release ranks above its pre-releases (§11.3).
  if (!a.prerelease.length || !b.prerelease.length) return sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === y) continue;
    // Numeric identifiers rank below alphanumeric ones (§11.4.3).
    if (typeof x === 'number' && typeof y === 'number') return sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x !== undefined && y !== undefined && x < y ? -1 : 1;
  }
  // A longer set of identifiers ranks higher when all before are equal (§11.4.4).
  return sign(a.prerelease.length - b.prerelease.length);
}
