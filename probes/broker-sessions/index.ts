import type { Check } from '../types.js';
import { collectBrokerSessions } from './collect.js';
import { evaluateBrokerSessions } from './evaluate.js';
import { info } from './info.js';

const brokerSessions: Check = { ...info, collect: collectBrokerSessions, evaluate: evaluateBrokerSessions };

export default brokerSessions;
