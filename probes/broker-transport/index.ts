// The broker-transport check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectBrokerTransport } from './collect.js';
import { evaluateBrokerTransport } from './evaluate.js';

export const code: CheckCode = {
  // An operator who lengthens BT-06's read window gets it on top of the
  // budget; the default window (READ_WINDOW_S) fits the default budget.
  extraBudgetS: (config) => config.broker?.read_window_s ?? 0,
  collect: collectBrokerTransport,
  evaluate: evaluateBrokerTransport,
};
