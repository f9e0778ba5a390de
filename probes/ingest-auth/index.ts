// The ingest-auth check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectIngestAuth } from './collect.js';
import { evaluateIngestAuth } from './evaluate.js';

export const code: CheckCode = { collect: collectIngestAuth, evaluate: evaluateIngestAuth };
