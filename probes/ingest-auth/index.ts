import type { Check } from '../types.js';
import { collectIngestAuth } from './collect.js';
import { evaluateIngestAuth } from './evaluate.js';
import { info } from './info.js';

const ingestAuth: Check = { ...info, collect: collectIngestAuth, evaluate: evaluateIngestAuth };

export default ingestAuth;
