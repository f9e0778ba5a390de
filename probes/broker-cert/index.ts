import type { Check } from '../types.js';
import { collectBrokerCert } from './collect.js';
import { evaluateBrokerCert } from './evaluate.js';
import { info } from './info.js';

const brokerCert: Check = { ...info, collect: collectBrokerCert, evaluate: evaluateBrokerCert };

export default brokerCert;
