// The broker-cert check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectBrokerCert } from './collect.js';
import { evaluateBrokerCert } from './evaluate.js';

export const code: CheckCode = { collect: collectBrokerCert, evaluate: evaluateBrokerCert };
