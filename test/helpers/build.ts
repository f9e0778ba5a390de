// Tests that run the built CLI (dist/app/cli.js, what the unit, the installer
// and the demo run) need dist/ built from the sources under test: a stale
// build would test yesterday's code. `npm test` builds when needed; a single
// file run with `npx tap` says so instead of testing the wrong thing.
import { join } from 'node:path';
import { ROOT, staleBuild } from '../../scripts/build-stamp.js';

export { ROOT };

/** The built CLI, after checking dist/ is the build of the current sources; throws naming the fix otherwise. */
export function builtCli(): string {
  const why = staleBuild();
  if (why) throw new Error(`${why}: run \`npm run build\` (npm test does it when needed)`);
  return join(ROOT, 'dist/app/cli.js');
}
