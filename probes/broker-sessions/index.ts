// The broker-sessions check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectBrokerSessions } from './collect.js';
import { evaluateBrokerSessions } from './evaluate.js';

export const code: CheckCode = { collect: collectBrokerSessions, evaluate: evaluateBrokerSessions };
