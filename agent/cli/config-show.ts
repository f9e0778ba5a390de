// `pathaudit config show [--format yaml|json]`: the effective config.
import { stringify } from 'yaml';
import { effectiveConfig } from '../config/effective.js';
import { usageError } from '../errors.js';
import { loadForCli } from './context.js';
import type { Io } from './io.js';

export function configShowCommand(flags: { config?: string; format: string }, io: Io): number {
  if (flags.format !== 'yaml' && flags.format !== 'json') throw usageError(`--format: expected yaml or json (got "${flags.format}")`);
  const loaded = loadForCli(flags.config);
  const config = effectiveConfig(loaded);
  io.stdout(
    flags.format === 'json'
      ? `${JSON.stringify(config, null, 2)}\n`
      : `# effective config of ${loaded.file} (defaults filled in; config hash ${loaded.hash})\n${stringify(config, { lineWidth: 0 })}`,
  );
  return 0;
}
