// The CLI: commander parses, commands return exit codes, errors become one
// clear line per problem (never a stack trace unless PATHAUDIT_DEBUG=1).
import { Command, CommanderError, Option } from 'commander';
import { EXIT, PathauditError, reasonOf } from '../errors.js';
import { AGENT_VERSION } from '../version.js';
import { checksCommand } from './checks.js';
import { configValidateCommand } from './config.js';
import type { Io } from './io.js';
import { runCommand, RUN_FORMATS } from './run.js';
import { demoCommand } from './demo.js';

const CONFIG_HELP = 'config file (default /etc/pathaudit/config.yaml, else ./pathaudit.yaml)';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('pathaudit')
    .description('Posture auditor for IoT gateways: broker, ingest edge, gateway OS, device identities and telemetry.')
    .version(AGENT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('run')
    .description('run a bundle (default audit-baseline) or a list of checks, store it, print the report')
    .option('--bundle <name>', 'bundle to run: audit-baseline, hardening-verification, certificate-hygiene, telemetry-trust, full, or one from the config')
    .option('--check <ids>', 'comma-separated check ids instead of a bundle')
    .option('--config <file>', CONFIG_HELP)
    .addOption(new Option('--format <format>', 'report format').choices([...RUN_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when an open finding is at or above: critical, high, medium, low, info (default none)')
    .action(async (flags) => setExit(await runCommand(flags, io)));

  program
    .command('checks')
    .description('list the control catalogue')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', CONFIG_HELP)
    .action((flags) => setExit(checksCommand(flags, io)));

  const config = program.command('config').description('configuration commands');
  config
    .command('validate')
    .description('validate the config file and the secret files it names')
    .option('--config <file>', CONFIG_HELP)
    .action((flags) => setExit(configValidateCommand(flags, io)));

  program
    .command('demo')
    .description('run the simulated field setup on loopback: audit, harden, rerun, delta')
    .option('--dir <dir>', 'working folder for the lab and reports (default ./out)')
    .action(async (flags) => setExit(await demoCommand(flags, io)));

  return program;
}

/** Runs the CLI; returns the exit code (never calls process.exit, so tests can drive it in-process). */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are successful exits; everything else is a usage error
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof PathauditError) {
      io.stderr(`pathaudit: ${err.message}\n`);
      for (const p of err.problems) io.stderr(`  ${p}\n`);
      return err.exitCode;
    }
    io.stderr(`pathaudit: internal error: ${reasonOf(err)}\n`);
    if (process.env.PATHAUDIT_DEBUG) io.stderr(`${(err as Error).stack}\n`);
    return EXIT.runFailed;
  }
}
