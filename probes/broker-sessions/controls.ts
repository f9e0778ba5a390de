import { STANDARDS, type ControlMeta } from '../types.js';

const { E, C, R, N } = STANDARDS;

const RERUN = 'Rerun `pathaudit run --check broker-sessions` once the window (broker.log_window_h) no longer holds the old lines';

export const controls: ControlMeta[] = [
  {
    id: 'BS-01',
    title: 'Client-id takeover: two sessions fight over one client id',
    severity: 'medium',
    rationale:
      'MQTT allows one session per client id: a second CONNECT with the same id closes the first ("already connected, closing old connection"). Two devices sharing an id knock each other off in a loop — the reconnect storm behind many reliability incidents — and a takeover by a stranger is a hijacked session.',
    remediation:
      'Give every device its own client id (derived from its unique id or certificate CN) and enforce it on the broker (use_identity_as_username / an ACL pattern per client id); find the second sender from the addresses in the evidence.',
    verification: `${RERUN}: BS-01 passes when no "already connected, closing old connection" line remains for a device id.`,
    standards: [`${E} 5.4-4`, `${C} 1.2`],
    effort: 'small',
  },
  {
    id: 'BS-02',
    title: 'Authentication failures at or above the threshold',
    severity: 'high',
    rationale:
      'Repeated refused logins from one address or client id are either a device with a wrong or rotated credential that can no longer deliver data, or someone guessing passwords. Both need attention before they become an outage or a breach.',
    remediation:
      'Identify the client at the address: fix its credentials, or block the address at the firewall; consider a connection-rate limit on the broker listener.',
    verification: `${RERUN}: BS-02 passes when no address or client id reaches broker.auth_failure_threshold refused logins in the window.`,
    standards: [`${E} 5.1-5`, `${C} 1.11`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'BS-03',
    title: 'Certificate failures in client TLS handshakes at or above the threshold',
    severity: 'high',
    rationale:
      'A device whose certificate expired, was revoked or comes from another CA fails every handshake and delivers nothing, yet nobody sees it; a client that rejects the broker\'s certificate (unknown CA, expired) is cut off the same way. Protocol-level failures (wrong TLS version, no shared cipher) are what scanners and version probes cause and are counted apart.',
    remediation:
      'Reissue the device certificate from the device CA (or fix the device\'s trust anchor for the broker); for a stranger presenting foreign certificates, block the address.',
    verification: `${RERUN}: BS-03 passes when no address reaches broker.tls_failure_threshold certificate failures in the window.`,
    standards: [`${E} 5.5-1`, `${C} 1.2`, `${R} (d)`],
    effort: 'medium',
  },
  {
    id: 'BS-04',
    plainWords: 'something the inventory does not know is logged in to the broker',
    title: 'Client id not in the inventory connected',
    severity: 'high',
    rationale:
      'Something the inventory does not know logged in with valid credentials: a device nobody enrolled, a shared or leaked credential, or a person with a desktop MQTT client. Every session on the path should be accounted for.',
    remediation:
      'Find the client from its address and user name in the evidence; enrol it (devices.inventory with client_id) if it belongs, else revoke its credential on the broker.',
    verification: `${RERUN}: BS-04 passes when every client id that connected in the window is an inventory client_id (or the probe's own).`,
    standards: [`${N} device identification`, `${C} 1.2`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'BS-05',
    title: 'Reconnect churn: one client id connects too often',
    severity: 'medium',
    rationale:
      'A device that connects dozens of times a day is losing its session again and again: keep-alive too short for the link, a crash loop, or a takeover fight. Every reconnect risks lost QoS 0 messages and loads the broker.',
    remediation:
      'Read the device\'s connect times and addresses in the evidence: fix its keep-alive and reconnect back-off, its power or link, or the id it shares with another device (BS-01).',
    verification: `${RERUN}: BS-05 passes when no client id connects more than broker.max_reconnects times in the window.`,
    standards: [`${E} 5.9-1`, `${C} 7.1`],
    effort: 'medium',
  },
];
