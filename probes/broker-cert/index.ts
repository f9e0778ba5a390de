import type { Check } from '../types.js';
import { collectBrokerCert } from './collect.js';
import { controls } from './controls.js';
import { evaluateBrokerCert } from './evaluate.js';

const brokerCert: Check = {
  id: 'broker-cert',
  title: 'Broker and ingest certificates as served: expiry, names, chain, key, signature, reload, key file',
  controls,
  notConfigured: (config) => (config.broker || config.ingest?.url.startsWith('https://') ? null : 'no broker section and no https ingest endpoint in the config'),
  collect: collectBrokerCert,
  evaluate: evaluateBrokerCert,
};

export default brokerCert;
