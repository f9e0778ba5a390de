// Runs one hostile server in a child process, so that the auditor's memory
// measured by hostile.test.ts is the auditor's alone (a flood server in the
// same process allocates too). Prints `{"port":N}` on stdout once listening;
// stops when stdin closes (the parent went away) or on SIGTERM.
import { blackHole, closeAfterConnect, endlessBody, hugeHeaders, slowDripTls, type Hostile } from './hostile-servers.js';

const KINDS: Record<string, (t: { teardown(fn: () => unknown): void }) => Promise<Hostile>> = { blackHole, closeAfterConnect, endlessBody, hugeHeaders, slowDripTls };

// Run without arguments (e.g. `tap test/reliability`, which picks up every file): nothing to do.
if (process.argv.length < 3) process.exit(0);
const teardowns: Array<() => unknown> = [];
const make = KINDS[process.argv[2]!];
if (!make) throw new Error(`unknown hostile server kind ${process.argv[2]}`);
const server = await make({ teardown: (fn) => teardowns.push(fn) });
const stop = async () => {
  for (const fn of teardowns) await fn();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
// Stats on request: a line on stdin asks for the counters.
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ accepted: server.accepted, sent: server.bytesSent(), connects: (server as { connects?: number }).connects ?? 0 })}\n`));
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
