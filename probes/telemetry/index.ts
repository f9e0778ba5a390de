// The telemetry check's probing code; its metadata is in info.ts.
import type { PathauditConfig } from '../../config/schema/index.js';
import type { CheckCode } from '../types.js';
import { BUDGET_MARGIN_MS, collectTelemetry } from './collect.js';
import { evaluateTelemetry } from './evaluate.js';
import { DEFAULTS } from './settings.js';

export const code: CheckCode = {
  collect: collectTelemetry,
  evaluate: evaluateTelemetry,
  /** The observation window plus the closing margin, on top of runner.check_timeout_s. */
  extraBudgetS: (config: PathauditConfig) => (config.telemetry?.window_s ?? DEFAULTS.window_s) + BUDGET_MARGIN_MS / 1000,
};
