import type { Check } from '../types.js';
import { collectBrokerTransport } from './collect.js';
import { controls } from './controls.js';
import { evaluateBrokerTransport } from './evaluate.js';

const brokerTransport: Check = {
  id: 'broker-transport',
  title: 'Broker transport: listeners, TLS, anonymous access, credentials, topic exposure',
  controls,
  notConfigured: (config) => (config.broker ? null : 'no broker section in the config'),
  collect: collectBrokerTransport,
  evaluate: evaluateBrokerTransport,
};

export default brokerTransport;
