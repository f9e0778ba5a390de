import type { ControlMeta } from '../types.js';

const E = 'ETSI EN 303 645';
const I = 'OWASP ISVS';
const C = 'IEC 62443-4-2';
const N = 'NIST IR 8259A';

const RERUN = 'Rerun `pathaudit run --bundle certificate-hygiene`';

export const controls: ControlMeta[] = [
  {
    id: 'DC-01',
    title: 'Device certificate expired (or not yet valid)',
    severity: 'critical',
    rationale: 'A broker that validates client certificates locks the device out; one that does not accepts an identity nobody vouches for any more.',
    remediation: 'Re-enrol the device with a fresh certificate from the device CA (EST/SCEP or the provisioning station) and retire the old one.',
    verification: `${RERUN}: DC-01 passes when the device certificate is inside its validity window.`,
    standards: [`${E} 5.4-4`, `${I} 4.2.2`, `${C} 1.8`, `${N} device identification`],
    effort: 'medium',
  },
  {
    id: 'DC-02',
    title: 'Device certificate expires within 30 days',
    severity: 'high',
    rationale: 'Field devices renew late or not at all; an expiry inside the window becomes a silent device unless renewal is already under way.',
    remediation: 'Trigger renewal for the device now and schedule renewals well ahead of expiry (devices.expiry_warn_days).',
    verification: `${RERUN}: DC-02 passes when the device certificate has more days left than devices.expiry_warn_days (default 30).`,
    standards: [`${E} 5.4-4`, `${C} 1.8`],
    effort: 'small',
  },
  {
    id: 'DC-03',
    title: 'Same public key in two or more device certificates',
    severity: 'critical',
    rationale: 'A key copied between devices (cloned firmware image, copy-pasted provisioning) means one extracted key impersonates every device that shares it, and no device can be revoked alone.',
    remediation: 'Generate a key on each device (ideally in its secure element), issue a new certificate per device and revoke the shared one.',
    verification: `${RERUN}: DC-03 passes when every device certificate has a distinct SubjectPublicKeyInfo SHA-256.`,
    standards: [`${E} 5.4-4`, `${I} 4.2.2`, `${C} 1.8`, `${N} device identification`],
    effort: 'large',
  },
  {
    id: 'DC-04',
    title: 'Weak device key (RSA < 2048, EC < 256)',
    severity: 'high',
    rationale: 'Keys below the 112-bit security floor (NIST SP 800-57) can be broken within the device lifetime, letting an attacker impersonate the device.',
    remediation: 'Re-key the device with EC P-256 (supported by STM32 crypto libraries and common secure elements) and reissue its certificate.',
    verification: `${RERUN}: DC-04 passes when the device key is RSA ≥ 2048 or EC ≥ 256 bits.`,
    standards: [`${E} 5.4-4`, `${C} 1.8`],
    effort: 'medium',
  },
  {
    id: 'DC-05',
    title: 'Device certificate not issued by the device CA',
    severity: 'high',
    rationale: 'A broker that trusts only the device CA rejects the device; one that accepts it trusts an identity outside the fleet PKI.',
    remediation: 'Reissue the certificate from the device CA, or fix devices.ca_file to the CA that really issues device certificates.',
    verification: `${RERUN}: DC-05 passes when the certificate chains by name and signature to a certificate in devices.ca_file.`,
    standards: [`${I} 4.2.2`, `${C} 1.8`],
    effort: 'medium',
  },
  {
    id: 'DC-06',
    title: 'Device certificate is CA:TRUE or lacks clientAuth',
    severity: 'medium',
    rationale: 'A device certificate with CA:TRUE can sign further certificates that chain to the device CA; an EKU without clientAuth is refused by TLS servers that enforce purpose.',
    remediation: 'Reissue with basicConstraints CA:FALSE and extendedKeyUsage clientAuth.',
    verification: `${RERUN}: DC-06 passes when the certificate is CA:FALSE and its EKU (if present) includes clientAuth.`,
    standards: [`${C} 1.8`, `${I} 4.2.2`],
    effort: 'small',
  },
  {
    id: 'DC-07',
    title: 'Certificate CN differs from the device id',
    severity: 'medium',
    rationale: 'Brokers map the certificate identity to ACLs and telemetry to devices; a mismatch means a device publishes under another device\'s name or a certificate was filed against the wrong device.',
    remediation: 'Reissue the certificate with CN (or a SAN) equal to the device id, or correct the inventory entry.',
    verification: `${RERUN}: DC-07 passes when the subject CN or a DNS SAN equals the device id.`,
    standards: [`${E} 5.4-4`, `${N} device identification`],
    effort: 'small',
  },
  {
    id: 'DC-08',
    title: 'Device seen on the path but not in the inventory',
    severity: 'high',
    rationale: 'An identity publishing telemetry that nobody enrolled is either a forgotten device (no owner, no renewal) or an impostor.',
    remediation: 'Enrol the device in devices.inventory (and the device CA) or revoke its access on the broker.',
    verification: 'Rerun device-certs with telemetry in the same run (`pathaudit run --check device-certs,telemetry`, or `--bundle full`): DC-08 passes when every device identity seen is in the inventory.',
    standards: [`${E} 5.4-4`, `${N} device identification`, `${C} 1.8`],
    effort: 'small',
    needs: ['telemetry'],
  },
];
