import type { Check } from '../types.js';
import { collectDeviceCerts } from './collect.js';
import { evaluateDeviceCerts } from './evaluate.js';
import { info } from './info.js';

const deviceCerts: Check = { ...info, collect: collectDeviceCerts, evaluate: evaluateDeviceCerts };

export default deviceCerts;
