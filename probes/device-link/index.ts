import type { Check } from '../types.js';
import { collectDeviceLink } from './collect.js';
import { evaluateDeviceLink } from './evaluate.js';
import { info } from './info.js';

const deviceLink: Check = { ...info, collect: collectDeviceLink, evaluate: evaluateDeviceLink };

export default deviceLink;
