import type { ControlMeta } from '../types.js';

const E = 'ETSI EN 303 645';
const I = 'OWASP ISVS';
const C = 'IEC 62443-4-2';

const RERUN = 'Rerun `pathaudit run --check broker-cert`';

export const controls: ControlMeta[] = [
  {
    id: 'BC-01',
    title: 'Served certificate expired (or not yet valid)',
    severity: 'critical',
    rationale: 'Devices that validate the certificate refuse to connect: telemetry stops on the whole fleet at once. Devices that do not validate it are open to impersonation anyway.',
    remediation: 'Issue a new certificate from the CA devices pin, install it, and reload the broker (Mosquitto: `systemctl reload mosquitto`) or the ingest relay.',
    verification: `${RERUN}: BC-01 passes when the certificate served in the handshake is inside its validity window.`,
    standards: [`${C} 1.9`, `${I} 4.1.3`, `${E} 5.4-1`],
    effort: 'small',
  },
  {
    id: 'BC-02',
    title: 'Served certificate expires soon',
    severity: 'high',
    rationale: 'A certificate expiring within 30 days (high) or 60 days (medium) becomes an outage unless the renewal is already scheduled; field devices cannot be reached to fix it afterwards.',
    remediation: 'Renew now and automate renewal (certbot/step-ca/ACME or a cron job with the internal CA) well ahead of expiry, with a reload hook.',
    verification: `${RERUN}: BC-02 passes when the served certificate has more days left than broker.expiry_warn_days.medium (default 60).`,
    standards: [`${C} 1.9`, `${I} 4.1.3`],
    effort: 'small',
  },
  {
    id: 'BC-03',
    title: 'Name or IP devices dial not in the certificate SAN',
    severity: 'high',
    rationale: 'Devices that check the hostname (RFC 6125) refuse the connection; devices that skip the check to "make it work" accept any certificate, which defeats TLS server authentication.',
    remediation: 'Reissue the certificate with the name (DNS SAN) or address (IP SAN) devices dial, as configured in broker.servername / ingest.servername.',
    verification: `${RERUN}: BC-03 passes when the dialled name matches a subjectAltName entry (wildcards one label deep, IPs against IP SANs only).`,
    standards: [`${C} 1.9`, `${I} 4.1.3`, `${E} 5.5-1`],
    effort: 'small',
  },
  {
    id: 'BC-04',
    title: 'Served chain does not validate to the trust anchor devices pin',
    severity: 'high',
    rationale: 'Devices pinning the configured CA reject the server, or were configured to skip validation; either way the path has no working server authentication.',
    remediation: 'Serve a certificate issued by the pinned CA and include every intermediate in the served chain (Mosquitto: `certfile` holds leaf + intermediates, or set `cafile`).',
    verification: `${RERUN}: BC-04 passes when the served leaf chains by name and signature to a certificate in broker.ca_file (ingest.ca_file).`,
    standards: [`${C} 1.8`, `${I} 4.1.3`],
    effort: 'medium',
  },
  {
    id: 'BC-05',
    title: 'Weak server key (RSA < 2048, EC < 256)',
    severity: 'high',
    rationale: 'Keys below the 112-bit security floor (NIST SP 800-57) are within reach of factoring or discrete-log attacks over the certificate lifetime.',
    remediation: 'Generate a new EC P-256 (or RSA 3072) key and reissue the certificate.',
    verification: `${RERUN}: BC-05 passes when the served leaf and intermediates use RSA ≥ 2048 or EC ≥ 256 bits.`,
    standards: [`${C} 1.9`, `${I} 4.1.3`, `${E} 5.5-1`],
    effort: 'small',
  },
  {
    id: 'BC-06',
    title: 'SHA-1 or MD5 certificate signature',
    severity: 'high',
    rationale: 'Chosen-prefix collisions on SHA-1 (2020) and MD5 make forged certificates with the same signature practical.',
    remediation: 'Reissue the certificate (and any served intermediate) signed with SHA-256 or better.',
    verification: `${RERUN}: BC-06 passes when no served certificate below the anchor is signed with SHA-1 or MD5.`,
    standards: [`${C} 1.9`, `${I} 4.1.3`],
    effort: 'small',
  },
  {
    id: 'BC-07',
    title: 'Certificate validity over 398 days',
    severity: 'low',
    rationale: 'Long-lived certificates postpone renewal until nobody remembers how it is done, and keep a leaked key useful for years.',
    remediation: 'Issue certificates valid for 398 days or less (90 days with automated renewal is better); set broker.max_validity_days to your policy.',
    verification: `${RERUN}: BC-07 passes when notAfter − notBefore of the served leaf is within broker.max_validity_days (default 398).`,
    standards: [`${C} 1.9`, `${I} 4.1.3`],
    effort: 'small',
  },
  {
    id: 'BC-08',
    title: 'Served certificate differs from the certificate file on disk',
    severity: 'high',
    rationale: 'A renewal written to disk but not reloaded leaves the old certificate in service until it expires: the outage arrives although "the certificate was renewed".',
    remediation: 'Reload the broker after renewal (Mosquitto: `systemctl reload mosquitto`, or a renewal deploy hook), or point broker.cert_file at the file the broker really uses.',
    verification: `${RERUN}: BC-08 passes when the SHA-256 of the served leaf equals the SHA-256 of the first certificate in broker.cert_file.`,
    standards: [`${C} 1.8`, `${E} 5.4-1`],
    effort: 'small',
  },
  {
    id: 'BC-09',
    title: 'Broker private key file not readable by the broker user alone',
    severity: 'high',
    rationale:
      'Any local account (or a compromised service in the group) that can read the key can impersonate the broker to every device. The broker user itself must read it: Mosquitto loads its key after dropping privileges to its `user`, so a key only root can read stops the broker at its next start.',
    remediation:
      'Make the key readable by the broker user (broker.user; default: the owner of the running broker process, else mosquitto) and no one else: `chown mosquitto: KEY && chmod 600 KEY`, or `chown root:mosquitto KEY && chmod 640 KEY` when group mosquitto holds only the broker user. Not root:root 0600: Mosquitto could not read it and would not start. Restart the broker afterwards and check it serves TLS. Each finding names the commands for its own file and user.',
    verification: `${RERUN}: BC-09 passes when only the broker user (and root) can read the key file: owner-only for the broker user, or group-read by a group whose only member is the broker user.`,
    standards: [`${C} 1.8`, `${E} 5.4-1`, `${I} 4.1.3`],
    effort: 'small',
  },
];
