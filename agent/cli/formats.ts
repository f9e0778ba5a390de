// Output formats of the CLI commands, apart from the commands: main.ts lists
// them in --help and loads a command's module only when it runs.
import { REPORT_FORMATS } from '../reports/formats.js';

export const RUN_FORMATS = REPORT_FORMATS;
export const DELTA_FORMATS = ['text', 'json', 'md'] as const;
