// The device-link check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectDeviceLink } from './collect.js';
import { evaluateDeviceLink } from './evaluate.js';

export const code: CheckCode = { collect: collectDeviceLink, evaluate: evaluateDeviceLink };
