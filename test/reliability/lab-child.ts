// Runs a lab gateway in a child process (argv: profile, dir) so that a test
// which loads the daemon with hundreds of clients does not starve the lab's
// broker and relay of the event loop they share (runs would then measure the
// test, not the daemon). Prints the lab's config as one JSON line when ready;
// closes the lab when stdin ends (the parent went away) or on SIGTERM.
import { startLabGateway, type Profile } from '../../agent/lab/gateway.js';

// Run without arguments (e.g. `tap test/reliability`, which picks up every file): nothing to do.
if (process.argv.length < 4) process.exit(0);
const [profile, dir] = process.argv.slice(2) as [Profile, string];
const gw = await startLabGateway({ profile, dir });
const stop = async () => {
  await gw.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ configFile: gw.configFile, config: gw.config })}\n`);
