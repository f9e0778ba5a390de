// Whether dist/ was built from the sources as they are now. `npm run build`
// writes a stamp (a hash of every file the build reads); tests that run the
// built CLI check it, so they never pass or fail on a stale build, and
// `npm test` builds only when the stamp does not match.
//
//   node --import tsx scripts/build-stamp.ts --ensure   build unless current
//   node dist/scripts/build-stamp.js --write            after a build
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this module in scripts/ or in dist/scripts/. */
export const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../' : '../../', import.meta.url));
export const STAMP = 'dist/.build-stamp';

/** What the build reads: the compiled trees, the build's own config and the locked dependencies. */
const INPUTS = ['agent', 'probes', 'config', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json'];

export function sourceHash(root = ROOT): string {
  const hash = createHash('sha256');
  const files = INPUTS.flatMap((input) => {
    const path = join(root, input);
    if (!existsSync(path)) return [];
    if (statSync(path).isFile()) return [input];
    return (readdirSync(path, { recursive: true }) as string[]).map((f) => join(input, f)).filter((f) => statSync(join(root, f)).isFile());
  });
  for (const f of files.sort()) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return hash.digest('hex');
}

/** Null when dist/ is the build of the current sources; else why not. */
export function staleBuild(root = ROOT): string | null {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp)) return 'dist/ has no build stamp (never built, or built before stamps)';
  return readFileSync(stamp, 'utf8').trim() === sourceHash(root) ? null : 'dist/ was built from other sources than the current ones';
}

if (process.argv[1]?.endsWith('build-stamp.js') || process.argv[1]?.endsWith('build-stamp.ts')) {
  if (process.argv.includes('--write')) {
    writeFileSync(join(ROOT, STAMP), `${sourceHash()}\n`);
  } else if (process.argv.includes('--ensure')) {
    const why = staleBuild();
    if (why) {
      console.error(`${why}: building`);
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    }
  } else {
    const why = staleBuild();
    console.log(why ?? 'dist/ is current');
    process.exitCode = why ? 1 : 0;
  }
}
