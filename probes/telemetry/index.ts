import type { PathauditConfig } from '../../config/schema/index.js';
import type { Check } from '../types.js';
import { BUDGET_MARGIN_MS, collectTelemetry } from './collect.js';
import { evaluateTelemetry } from './evaluate.js';
import { info } from './info.js';
import { DEFAULTS } from './settings.js';

const telemetryCheck = {
  ...info,
  collect: collectTelemetry,
  evaluate: evaluateTelemetry,
  /**
   * Seconds this check needs beyond runner.check_timeout_s: its observation
   * window plus the closing margin. For the runner to add to the budget (see
   * the report to the lead); until it does, collect refuses a window that does
   * not fit the plain budget, naming both settings.
   */
  extraBudgetS: (config: PathauditConfig) => (config.telemetry?.window_s ?? DEFAULTS.window_s) + BUDGET_MARGIN_MS / 1000,
};

const telemetry: Check = telemetryCheck;
export default telemetry;
