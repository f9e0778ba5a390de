import { loadForCli } from './context.js';
import type { Io } from './io.js';

const SECTIONS = ['gateway', 'path', 'broker', 'ingest', 'devices', 'telemetry', 'guardrails', 'bundles', 'schedules', 'api', 'store', 'waivers', 'runner', 'decision'] as const;

export function configValidateCommand(flags: { config?: string }, io: Io): number {
  const loaded = loadForCli(flags.config);
  const present = SECTIONS.filter((s) => loaded.config[s] !== undefined);
  io.stdout(`config OK: ${loaded.file}\n  sections: ${present.join(', ')}\n  config hash: ${loaded.hash}\n`);
  return 0;
}
