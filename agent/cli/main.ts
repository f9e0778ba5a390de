// The CLI: commander parses, commands return exit codes, errors become one
// clear line per problem (never a stack trace unless PATHAUDIT_DEBUG=1).
// extra-typings: commander with each action's flags typed from the options
// declared on its command, so a command module's flag type is checked against them.
import { Command, CommanderError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { BUILTIN_BUNDLE_PURPOSES, FULL_BUNDLE } from '../../probes/bundles.js';
import { EXIT, PathauditError, reasonOf } from '../errors.js';
import { AGENT_VERSION } from '../version.js';
import { DELTA_FORMATS, RUN_FORMATS } from './formats.js';
import { setInvocation } from './invocation.js';
import type { Io } from './io.js';
import { REPORT_FORMATS } from '../reports/formats.js';
import { RUN_STATUSES } from '../contracts/vocabulary.js';

// Each command's module is imported when that command runs: `serve` starts
// without the report renderers, tar or the runner in memory, and `--help`
// answers without loading any of them.

const CONFIG_HELP = 'config file (default /etc/pathaudit/config.yaml, else ./pathaudit.yaml)';
const OUT_HELP = 'write to FILE instead of stdout: a file is replaced whole (temp file + rename), a device, FIFO or socket is written in place, - is stdout';

const C = '--config /etc/pathaudit/config.yaml';
const AS = 'sudo -u pathaudit pathaudit';

/** Examples at the end of a command's --help: what people type, in the form the README uses. */
function examples<T extends CommandUnknownOpts>(cmd: T, lines: string[]): T {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('pathaudit')
    .description('Posture auditor for IoT gateways: broker, ingest edge, gateway OS, device identities and telemetry.')
    .version(AGENT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  examples(program, [
    'pathaudit checks',
    `pathaudit config validate ${C}`,
    `${AS} run --bundle audit-baseline ${C}`,
    `${AS} backlog --format md ${C}`,
    'pathaudit COMMAND --help',
  ]);

  program
    .command('run')
    .description('run a bundle (default audit-baseline) or a list of checks, store it, print the report')
    .option('--bundle <name>', `bundle to run: ${[...Object.keys(BUILTIN_BUNDLE_PURPOSES), FULL_BUNDLE].join(', ')}, or one from the config`)
    .option('--check <ids>', 'comma-separated check ids instead of a bundle')
    .option('--config <file>', CONFIG_HELP)
    .addOption(new Option('--format <format>', 'report format').choices([...RUN_FORMATS]).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--fail-on <severity>', 'exit 1 when an open finding is at or above: critical, high, medium, low, info (default none)')
    .option('--init', "create the store's folder when it does not exist (without it a missing folder is an error)")
    .action(async (flags) => setExit(await (await import('./run.js')).runCommand(flags, io)));
  examples(program.commands.at(-1)!, [
    `${AS} run --init --bundle audit-baseline ${C}`,
    `${AS} run --check broker-transport,ingest-auth --format json --out run.json ${C}`,
    `${AS} run --bundle hardening-verification --fail-on high --format junit --out pathaudit-junit.xml ${C}`,
  ]);

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
  examples(program.commands.at(-1)!, [`${AS} runs --limit 10 ${C}`, `${AS} runs --status failed --format json ${C}`]);

  program
    .command('checks')
    .description('list the control catalogue')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit((await import('./checks.js')).checksCommand(flags, io)));
  examples(program.commands.at(-1)!, ['pathaudit checks', 'pathaudit checks --format json']);

  const config = examples(program.command('config').description('configuration commands: validate, show'), [`pathaudit config validate ${C}`, `pathaudit config show ${C}`]);
  config
    .command('validate')
    .description('validate the config and every file it names, for the user the service runs as; exit 4 when it audits nothing')
    .option('--config <file>', CONFIG_HELP)
    .option('--as <user>', 'judge files for this user (default: pathaudit when that user exists, else the current user)')
    .action(async (flags) => setExit((await import('./config.js')).configValidateCommand(flags, io)));
  examples(config.commands.at(-1)!, [`pathaudit config validate ${C}`, `pathaudit config validate --as mosquitto ${C}`]);
  examples(
    config
      .command('show')
      .description('print the effective config: defaults filled in, paths resolved, secrets never shown (secret files are named, never read out)')
      .option('--config <file>', CONFIG_HELP)
      .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
      .action(async (flags) => setExit((await import('./config-show.js')).configShowCommand(flags, io))),
    [`pathaudit config show ${C}`, `pathaudit config show --format json ${C}`],
  );

  examples(
    program
      .command('serve')
      .description('run the daemon: schedules, the local HTTP API, metrics (SIGTERM stops, SIGHUP reloads)')
      .option('--config <file>', CONFIG_HELP)
      .option('--listen <host:port>', 'address the API listens on, instead of api.listen')
      .option('--init', "create the store's folder when it does not exist")
      .action(async (flags) => setExit(await (await import('./serve.js')).serveCommand(flags, io))),
    [`${AS} serve ${C}`, `${AS} serve --listen 127.0.0.1:8787 ${C}`],
  );

  // Evidence lifecycle. RUN is a run id, `latest` (the latest completed run) or `baseline`.
  const baseline = examples(program.command('baseline').description('the run later runs are compared against'), [`${AS} baseline show ${C}`, `${AS} baseline set latest ${C}`]);
  baseline
    .command('set <run>')
    .description('mark a completed run (id or latest) as the baseline')
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./baseline.js')).baselineSetCommand(run, flags, io)));
  examples(baseline.commands.at(-1)!, [`${AS} baseline set latest ${C}`, `${AS} baseline set run-20261101T020000Z-1a2b3c ${C}`]);
  baseline
    .command('show')
    .description('print the baseline run')
    .option('--config <file>', CONFIG_HELP)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags) => setExit(await (await import('./baseline.js')).baselineShowCommand(flags, io)));
  examples(baseline.commands.at(-1)!, [`${AS} baseline show ${C}`, `${AS} baseline show --format json ${C}`]);

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
  examples(program.commands.at(-1)!, [`${AS} delta --from baseline --to latest ${C}`, `${AS} delta --format md --out delta.md ${C}`, `${AS} delta --fail-on-regression ${C}`]);

  program
    .command('report <run>')
    .description('render a stored run (id, latest or baseline) in any report format, with its delta to the baseline')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./report.js')).reportCommand(run, flags, io)));
  examples(program.commands.at(-1)!, [`${AS} report latest --format html --out report.html ${C}`, `${AS} report latest --format md ${C} | head -40`]);

  const bundle = examples(program.command('bundle').description('signed evidence bundles: export, list, verify, pubkey'), [
    `${AS} bundle export latest --out evidence.tar.gz ${C}`,
    'pathaudit bundle verify evidence.tar.gz',
  ]);
  bundle
    .command('export <run>')
    .description('write a signed .tar.gz evidence bundle of a run (id, latest or baseline)')
    .requiredOption('--out <file>', 'bundle file to write (.tar.gz), as --out elsewhere: replaced whole, a FIFO or device written in place, - for stdout')
    .option('--config <file>', CONFIG_HELP)
    .action(async (run, flags) => setExit(await (await import('./bundle.js')).bundleExportCommand(run, flags, io)));
  examples(bundle.commands.at(-1)!, [`${AS} bundle export latest --out evidence.tar.gz ${C}`, `${AS} bundle export latest --out - ${C} > evidence.tar.gz`]);
  examples(
    bundle
      .command('list')
      .description('list the bundles exported from this store (by bundle export and the demo), newest first')
      .option('--limit <n>', 'how many (1-500)', '20')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--config <file>', CONFIG_HELP)
      .action(async (flags) => setExit(await (await import('./bundle.js')).bundleListCommand(flags, io))),
    [`${AS} bundle list ${C}`, `${AS} bundle list --format json ${C}`],
  );
  bundle
    .command('verify <file>')
    .description('verify a bundle: hashes and signature (file alone); with --pubkey/--config also the gateway key and the chain in the store. Exit 0 ok, 2 usage, 3 verification failed')
    .option('--pubkey <file>', 'pin the gateway public key (PEM)')
    .option('--config <file>', 'pin the gateway key from the config and check the chain link against its store')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file, flags) => setExit((await import('./bundle.js')).bundleVerifyCommand(file, flags, io)));
  examples(bundle.commands.at(-1)!, ['pathaudit bundle verify evidence.tar.gz', 'pathaudit bundle verify evidence.tar.gz --pubkey gateway.pub', `${AS} bundle verify evidence.tar.gz ${C}`]);
  bundle
    .command('pubkey')
    .description('print the gateway signing public key and its fingerprint (made on first use)')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit((await import('./bundle.js')).bundlePubkeyCommand(flags, io)));
  examples(bundle.commands.at(-1)!, [`${AS} bundle pubkey ${C} > gateway.pub`]);

  program
    .command('snapshot')
    .description('store and print the monthly snapshot: latest posture, delta to the baseline, drift since the previous snapshot')
    .option('--month <yyyy-mm>', 'month (default: the current month, UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--out <file>', OUT_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags) => setExit(await (await import('./snapshot.js')).snapshotCommand(flags, io)));
  examples(program.commands.at(-1)!, [`${AS} snapshot ${C}`, `${AS} snapshot --month 2026-10 --format json ${C}`]);

  examples(
    program
      .command('finding <ref>')
      .description('one finding (a fingerprint, or CONTROL[:RESOURCE]): its evidence in full, the fix, the rerun that proves it, its history across runs')
      .option('--run <run>', 'the path as this run left it: run id, latest or baseline (default latest)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--config <file>', CONFIG_HELP)
      .action(async (ref, flags) => setExit(await (await import('./finding.js')).findingCommand(ref, flags, io))),
    [`${AS} finding BT-02 ${C}`, `${AS} finding 'BT-01:mqtt 127.0.0.1:1883' ${C}`, `${AS} finding BT-02-3f9c2a1b7d4e5f60 --run baseline --format json ${C}`],
  );

  examples(
    program
      .command('backlog')
      .description('the ranked backlog of the posture (what GET /v1/backlog gives): open findings by score, with owner, effort and the rerun that verifies each')
      .option('--run <run>', 'the path as this run left it: run id, latest or baseline (default latest)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'csv', 'md']).default('text'))
      .option('--out <file>', OUT_HELP)
      .option('--config <file>', CONFIG_HELP)
      .action(async (flags) => setExit(await (await import('./backlog.js')).backlogCommand(flags, io))),
    [`${AS} backlog ${C}`, `${AS} backlog --format csv --out backlog.csv ${C}`, `${AS} backlog --format md ${C}`],
  );

  program
    .command('demo')
    .description('run the simulated field setup on loopback: audit, harden, rerun, delta')
    .option('--dir <dir>', 'working folder for the lab and reports (default ./out)')
    .action(async (flags) => setExit(await (await import('./demo.js')).demoCommand(flags, io)));
  examples(program.commands.at(-1)!, ['pathaudit demo', 'pathaudit demo --dir /tmp/pathaudit-demo']);

  return program;
}

/** Runs the CLI; returns the exit code (never calls process.exit, so tests can drive it in-process). */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  setInvocation(argv);
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
