// The CLI: commander parses, commands return exit codes, errors become one
// clear line per problem (never a stack trace unless PATHAUDIT_DEBUG=1).
import { Command, CommanderError, Option } from 'commander';
import { EXIT, PathauditError, reasonOf } from '../errors.js';
import { AGENT_VERSION } from '../version.js';
import { DELTA_FORMATS, RUN_FORMATS } from './formats.js';
import type { Io } from './io.js';
import { REPORT_FORMATS } from '../reports/formats.js';
import { RUN_STATUSES } from '../contracts/vocabulary.js';

// Each command's module is imported when that command runs: `serve` starts
// without the report renderers, tar or the runner in memory, and `--help`
// answers without loading any of them.

const CONFIG_HELP = 'config file (default /etc/pathaudit/config.yaml, else ./pathaudit.yaml)';
const OUT_HELP = 'write to FILE instead of stdout: a file is replaced whole (temp file + rename), a device, FIFO or socket is written in place, - is stdout';

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
    .option('--out <file>', OUT_HELP)
    .option('--fail-on <severity>', 'exit 1 when an open finding is at or above: critical, high, medium, low, info (default none)')
    .action(async (flags) => setExit(await (await import('./run.js')).runCommand(flags, io)));

  program
    .command('runs')
    .description('list past runs, newest first (what GET /v1/runs gives)')
    .option('--limit <n>', 'how many runs (1-500)', '20')
    .option('--offset <n>', 'skip this many of the newest first', '0')
    .option('--bundle <name>', 'only runs of this bundle (a --check run is recorded as checks:<ids>)')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit(await (await import('./runs.js')).runsCommand(flags, io)));

  program
    .command('checks')
    .description('list the control catalogue')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit((await import('./checks.js')).checksCommand(flags, io)));

  const config = program.command('config').description('configuration commands');
  config
    .command('validate')
    .description('validate the config file and the secret files it names')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit((await import('./config.js')).configValidateCommand(flags, io)));

  program.command('serve').description('run the daemon: schedules, the local HTTP API, metrics (SIGTERM stops, SIGHUP reloads)').option('--config <file>', CONFIG_HELP).action(async (flags) => setExit(await (await import('./serve.js')).serveCommand(flags, io)));

  // Evidence lifecycle. RUN is a run id, `latest` (the latest completed run) or `baseline`.
  const baseline = program.command('baseline').description('the run later runs are compared against');
  baseline
    .command('set <run>')
    .description('mark a completed run (id or latest) as the baseline')
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./baseline.js')).baselineSetCommand(run, flags, io)));
  baseline
    .command('show')
    .description('print the baseline run')
    .option('--config <file>', CONFIG_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags) => setExit(await (await import('./baseline.js')).baselineShowCommand(flags, io)));

  program
    .command('delta')
    .description('compare two runs: controls improved/regressed/unchanged/new/gone/not re-tested, findings resolved/new/persisting/not re-tested, and the next move')
    .option('--from <run>', 'run id, baseline or latest', 'baseline')
    .option('--to <run>', 'run id, baseline or latest', 'latest')
    .addOption(new Option('--format <format>', 'output format').choices([...DELTA_FORMATS]).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--fail-on-regression', 'exit 1 when a control regressed')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit(await (await import('./delta.js')).deltaCommand(flags, io)));

  program
    .command('report <run>')
    .description('render a stored run (id, latest or baseline) in any report format, with its delta to the baseline')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./report.js')).reportCommand(run, flags, io)));

  const bundle = program.command('bundle').description('signed evidence bundles');
  bundle
    .command('export <run>')
    .description('write a signed .tar.gz evidence bundle of a run (id, latest or baseline)')
    .requiredOption('--out <file>', 'bundle file to write (.tar.gz), as --out elsewhere: replaced whole, a FIFO or device written in place, - for stdout')
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./bundle.js')).bundleExportCommand(run, flags, io)));
  bundle
    .command('verify <file>')
    .description('verify a bundle: hashes and signature (file alone); with --pubkey/--config also the gateway key and the chain in the store. Exit 0 ok, 2 usage, 3 verification failed')
    .option('--pubkey <file>', 'pin the gateway public key (PEM)')
    .option('--config <file>', 'pin the gateway key from the config and check the chain link against its store')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file, flags) => setExit(await (await import('./bundle.js')).bundleVerifyCommand(file, flags, io)));
  bundle
    .command('pubkey')
    .description('print the gateway signing public key and its fingerprint (made on first use)')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit(await (await import('./bundle.js')).bundlePubkeyCommand(flags, io)));

  program
    .command('snapshot')
    .description('store and print the monthly snapshot: latest posture, delta to the baseline, drift since the previous snapshot')
    .option('--month <yyyy-mm>', 'month (default: the current month, UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit(await (await import('./snapshot.js')).snapshotCommand(flags, io)));

  program
    .command('demo')
    .description('run the simulated field setup on loopback: audit, harden, rerun, delta')
    .option('--dir <dir>', 'working folder for the lab and reports (default ./out)')
    .action(async (flags) => setExit(await (await import('./demo.js')).demoCommand(flags, io)));

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
