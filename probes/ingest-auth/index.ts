import type { Check } from '../types.js';
import { collectIngestAuth } from './collect.js';
import { controls } from './controls.js';
import { evaluateIngestAuth } from './evaluate.js';

const ingestAuth: Check = {
  id: 'ingest-auth',
  title: 'Ingest edge: authentication matrix, transport, TLS, body handling, disclosure',
  controls,
  notConfigured: (config) => (config.ingest ? null : 'no ingest section in the config'),
  collect: collectIngestAuth,
  evaluate: evaluateIngestAuth,
};

export default ingestAuth;
