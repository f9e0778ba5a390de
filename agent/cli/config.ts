// `pathaudit config validate [--as USER]` and `pathaudit config show`.
import { accountNamed, serviceAccount, type Account } from '../config/accounts.js';
import { coverageOf, NOTHING_AUDITED } from '../config/coverage.js';
import { fileProblems, namedFiles } from '../config/files.js';
import { configError, EXIT, usageError } from '../errors.js';
import { loadForCli } from './context.js';
import type { Io } from './io.js';

const SECTIONS = ['gateway', 'path', 'broker', 'ingest', 'devices', 'telemetry', 'guardrails', 'bundles', 'schedules', 'api', 'store', 'waivers', 'runner', 'decision'] as const;

/** The account files are judged for: --as USER, else the service user when it exists, else whoever runs this. */
export function accountFor(as: string | undefined): { account: Account; why: string } {
  if (as === undefined) return serviceAccount();
  const account = accountNamed(as);
  if (!account) throw usageError(`--as ${as}: no such user in /etc/passwd`);
  return { account, why: 'given with --as' };
}

export function configValidateCommand(flags: { config?: string; as?: string }, io: Io): number {
  const { account, why } = accountFor(flags.as);
  const loaded = loadForCli(flags.config);
  const problems = fileProblems(loaded, account);
  if (problems.length) throw configError(`${loaded.file}: ${problems.length} problem(s) with the files it names, checked as ${account.name} (${why})`, problems);
  const present = SECTIONS.filter((s) => loaded.config[s] !== undefined);
  const coverage = coverageOf(loaded.config);
  io.stdout(
    `config OK: ${loaded.file}\n  sections: ${present.join(', ') || 'none'}\n  config hash: ${loaded.hash}\n` +
      `  files: ${namedFiles(loaded.config).length} named, and the store folder, checked as ${account.name} (${why})\n` +
      `  audits: ${coverage.configured.join(', ') || 'nothing'}\n` +
      (coverage.notConfigured.length ? `  not configured: ${coverage.notConfigured.map((c) => `${c.check} (${c.reason})`).join('; ')}\n` : ''),
  );
  if (coverage.configured.length) return EXIT.ok;
  io.stderr(`pathaudit: warning: ${NOTHING_AUDITED}: add a broker, ingest, devices, telemetry or guardrails section (see config/pathaudit.example.yaml)\n`);
  return EXIT.nothingAudited;
}
