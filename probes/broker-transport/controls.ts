import { STANDARDS, type ControlMeta } from '../types.js';

const { E, I, C, R } = STANDARDS;

export const controls: ControlMeta[] = [
  {
    id: 'BT-01',
    plainWords: 'MQTT traffic, passwords included, crosses the network unencrypted',
    title: 'Plaintext MQTT listener reachable',
    severity: 'high',
    rationale:
      'Credentials and telemetry cross a plaintext listener readable and forgeable by anyone on the network path. Bound to loopback only, the exposure is limited to local processes (severity low).',
    remediation:
      'Remove the plaintext listener (Mosquitto: delete the `listener 1883` block) or bind it to 127.0.0.1 for local bridges only; devices use the TLS listener.',
    verification:
      'Rerun `pathaudit run --check broker-transport`: BT-01 passes when the listener speaks TLS, or when its port refuses connections while other listeners of the broker answer (a broker with no listener answering is "broker unreachable": error).',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.1`, `${R} (e)`],
    effort: 'small',
  },
  {
    id: 'BT-02',
    plainWords: 'anyone who reaches the broker can publish and subscribe without credentials',
    title: 'Anonymous MQTT CONNECT accepted',
    severity: 'critical',
    rationale: 'Anyone who reaches the listener can publish forged telemetry and read every topic the broker allows anonymous clients.',
    remediation: 'Require authentication (Mosquitto: `allow_anonymous false` with a `password_file`, or client certificates: `require_certificate true`).',
    verification:
      'Rerun broker-transport: BT-02 passes when the anonymous CONNECT gets CONNACK "not authorized" (5) or "bad user name or password" (4 / 0x86), or when the TLS listener refuses a client without a certificate (mutual TLS).',
    standards: [`${E} 5.1-1`, `${I} 4.2.3`, `${C} 1.1`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'BT-03',
    plainWords: 'the broker accepts outdated TLS versions with known attacks',
    title: 'TLS below 1.2 accepted',
    severity: 'high',
    rationale:
      'SSLv3 is broken (RFC 7568, POODLE) and TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1/MD5 constructions and allow downgrade attacks on clients that still offer them.',
    remediation: 'Set the minimum protocol to TLS 1.2 (Mosquitto: `tls_version tlsv1.2`; Node: `minVersion: "TLSv1.2"`).',
    verification:
      'Rerun broker-transport: BT-03 passes when the server answers SSLv3, TLS 1.0 and TLS 1.1 ClientHellos with a protocol_version or handshake_failure alert, or with a ServerHello of another version (evidence `tls-scan`).',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.3`, `${R} (e)`],
    effort: 'small',
  },
  {
    id: 'BT-04',
    plainWords: 'the broker accepts weak cipher suites: broken ones let traffic be read, others give no forward secrecy',
    title: 'Weak TLS cipher suites accepted',
    severity: 'medium',
    rationale:
      'NULL, anonymous, EXPORT, RC4 and DES/3DES suites are broken: traffic can be read or the server impersonated (severity high when one is accepted). CBC suites (never AEAD) have a history of padding-oracle attacks; static RSA and static (EC)DH key exchange give no forward secrecy, so a leaked server key exposes past sessions; SHA-1 and MD5 MACs are legacy constructions. Every suite accepted on any version counts, TLS 1.3 included.',
    remediation:
      'Allow only ECDHE with AES-GCM or ChaCha20-Poly1305 on TLS 1.2, and TLS 1.3 (Mosquitto: `ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:…`, `tls_version tlsv1.2`).',
    verification:
      'Rerun broker-transport: BT-04 passes when every suite the server accepts on every version (enumerated from its ServerHellos, evidence `tls-scan`) is in none of the weak classes, and every version was observed.',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.3`],
    effort: 'small',
  },
  {
    id: 'BT-05',
    plainWords: 'no encrypted MQTT is available on the path',
    title: 'No TLS listener on the path',
    severity: 'high',
    rationale: 'Without a TLS listener devices have no way to authenticate the broker or protect telemetry in transit.',
    remediation: 'Add a TLS listener (port 8883) with a certificate devices can validate, then move devices to it.',
    verification: 'Rerun broker-transport: BT-05 passes when at least one listener completes a TLS handshake.',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.1`, `${R} (e)`],
    effort: 'medium',
  },
  {
    id: 'BT-06',
    plainWords: 'the probe identity can read every topic, broker internals included',
    title: 'Topics beyond its scope, or $SYS, readable by the probe identity',
    severity: 'medium',
    rationale:
      'A least-privilege identity should read only the topics it needs, never every topic (`#`) or broker internals (`$SYS/#`): one leaked device credential would otherwise expose the whole fleet and the broker topology.',
    remediation: 'Add ACLs so each identity reads only its own topics (Mosquitto: `acl_file` with per-user `topic read` patterns; deny `#` and `$SYS/#`).',
    verification:
      'Rerun broker-transport: BT-06 fails when the probe identity, subscribed to `#` and `$SYS/#`, receives a message outside telemetry.topics + broker.auth.allowed_topics, or on $SYS. It passes only on positive evidence: both SUBSCRIBEs refused (SUBACK ≥ 0x80), or `$SYS/#` granted but filtered while another session saw the broker publish $SYS. A grant with nothing outside the scope delivered (Mosquitto filters at delivery) is skipped with what could not be seen.',
    standards: [`${E} 5.6-1`, `${I} 4.2.3`, `${C} 2.1`],
    effort: 'medium',
  },
  {
    id: 'BT-07',
    plainWords: 'a default or guessable password opens the broker',
    title: 'Default or weak credential accepted',
    severity: 'critical',
    rationale: 'Well-known credentials are the first thing an attacker tries; ETSI EN 303 645 provision 5.1-1 forbids universal default passwords.',
    remediation: 'Remove the account or set a unique random password; prefer per-device client certificates.',
    verification:
      'Rerun broker-transport: BT-07 passes when every credential of the default list gets a refusing CONNACK (on a listener that requires client certificates, tried with the probe\'s certificate). It is skipped where anonymous CONNECT is accepted (judged by BT-02) and where no password is checked once a certificate is presented.',
    standards: [`${E} 5.1-1`, `${I} 4.2.3`, `${C} 1.1`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'BT-08',
    plainWords: 'MQTT over an unencrypted WebSocket is open',
    title: 'Plain WebSocket listener',
    severity: 'high',
    rationale: 'MQTT over plain WebSocket (ws://) carries credentials and telemetry in clear text and is often exposed to browsers and proxies.',
    remediation: 'Serve WebSocket only over TLS (wss://, Mosquitto: `listener 8884` + `protocol websockets` + certfile/keyfile) or remove it.',
    verification: 'Rerun broker-transport: BT-08 passes when no plaintext listener answers a WebSocket upgrade for the mqtt subprotocol.',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.1`, `${R} (e)`],
    effort: 'small',
  },
];
