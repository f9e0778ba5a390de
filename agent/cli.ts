#!/usr/bin/env node
import { main } from './cli/main.js';
import { processIo } from './cli/io.js';

// A closed stdout (`pathaudit report latest | head -1`) ends the command
// quietly, exit 0: the reader took what it wanted. Only stdout: the daemon
// logs through its own stream, and a failing log must not pass for success.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), processIo);
