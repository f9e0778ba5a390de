// The device-certs check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectDeviceCerts } from './collect.js';
import { evaluateDeviceCerts } from './evaluate.js';

export const code: CheckCode = { collect: collectDeviceCerts, evaluate: evaluateDeviceCerts };
