import type { Check } from '../types.js';
import { collectBrokerTransport } from './collect.js';
import { evaluateBrokerTransport } from './evaluate.js';
import { info } from './info.js';

const brokerTransport: Check = { ...info, collect: collectBrokerTransport, evaluate: evaluateBrokerTransport };

export default brokerTransport;
