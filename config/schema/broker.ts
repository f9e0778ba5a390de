import Type from 'typebox';
import { FilePath, Host, Port, SecretFile } from './common.js';
import { MAX_LOG_WINDOW_H } from './defaults.js';

export const Listener = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'Listener name; part of the resource id (`mqtts 127.0.0.1:8883`)' }),
    port: Port('Listener port'),
    tls: Type.Boolean({ description: 'Whether the listener is expected to speak TLS' }),
    websocket: Type.Optional(Type.Boolean({ description: 'MQTT over WebSocket instead of raw TCP (default false)' })),
    ws_path: Type.Optional(Type.String({ pattern: '^/', description: 'WebSocket path (default /mqtt)' })),
    host: Type.Optional(Host('Overrides broker.host for this listener')),
  },
  { additionalProperties: false },
);

export const Credential = Type.Object(
  { username: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

export const BrokerSection = Type.Object(
  {
    host: Host('Address the probe dials (normally loopback: the broker runs on this gateway)'),
    servername: Type.Optional(Host('The name (or IP) devices dial: used for SNI and SAN checks')),
    listeners: Type.Array(Listener, { minItems: 1, maxItems: 32, description: 'Every listener the broker exposes on this path' }),
    auth: Type.Optional(
      Type.Object(
        {
          username: Type.Optional(
            Type.String({ minLength: 1, maxLength: 256, description: 'User name of the probe identity (with password_file; may also accompany cert_file)' }),
          ),
          password_file: Type.Optional(SecretFile('Password of the probe identity (with username). Sent only over TLS listeners unless plaintext_ok is true')),
          cert_file: Type.Optional(FilePath('Client certificate of the probe identity, PEM (with key_file): the probe presents it on TLS listeners, for brokers that require client certificates')),
          key_file: Type.Optional(SecretFile('Private key of cert_file, PEM, unencrypted (with cert_file)')),
          plaintext_ok: Type.Optional(
            Type.Boolean({
              description:
                'Allow the probe identity to log in over a plaintext listener (default false: over plaintext the probe sends no credentials of its own, and BT-06 there is skipped)',
            }),
          ),
          allowed_topics: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
              maxItems: 64,
              description:
                'Topic filters the probe identity is meant to read besides telemetry.topics: BT-06 fails on a delivery outside telemetry.topics + allowed_topics, or on $SYS',
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'The probe identity: used for BT-06 and as the known-good login. Give username + password_file, or cert_file + key_file, or both (at least one identity)',
        },
      ),
    ),
    read_window_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 60,
        description:
          'How long BT-06 listens on # and $SYS/# after the SUBACKs (default 1; a value set here is added to the check budget). Retained messages arrive at once; a topic published less often than this may go unseen',
      }),
    ),
    protocol: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('3.1.1'), Type.Literal('5')], {
        description: 'MQTT protocol for probe sessions: auto tries 5 then falls back to 3.1.1 (default auto)',
      }),
    ),
    default_credentials: Type.Optional(
      Type.Union([Type.Literal(false), Type.Array(Credential, { maxItems: 16 })], {
        description:
          'Well-known credentials tried once each for BT-07, on one listener. Default: a short list of 3 (see README); false disables BT-07',
      }),
    ),
    ca_file: Type.Optional(FilePath('Trust anchor devices pin for the broker certificate')),
    cert_file: Type.Optional(FilePath('Broker certificate on disk (BC-08)')),
    key_file: Type.Optional(FilePath('Broker private key on disk: only its permissions are read (BC-09)')),
    user: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[a-z_][a-z0-9_.-]*[$]?$',
        description:
          'The account the broker runs as, which must read broker.key_file (BC-09; Mosquitto reads its key after dropping privileges to it). Default: the owner of the running broker process (guardrails.process_names.broker), else mosquitto',
      }),
    ),
    expiry_warn_days: Type.Optional(
      Type.Object(
        {
          high: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'BC-02 high when the served certificate expires within this many days (default 30)' })),
          medium: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'BC-02 medium within this many days (default 60)' })),
        },
        {
          additionalProperties: false,
          description: 'Expiry tiers for BC-02 on every served certificate of the path: the broker TLS listeners and the https ingest endpoint (the one setting for both; ingest-auth does not judge certificates)',
        },
      ),
    ),
    max_validity_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: 'BC-07: longest acceptable validity span in days (default 398, the CA/B Forum limit)' })),
    log_file: Type.Optional(
      FilePath('The broker\'s own log (Mosquitto `log_dest file`), read by broker-sessions together with its rotated `.1` (or `.1.gz`) file'),
    ),
    log_window_h: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: MAX_LOG_WINDOW_H, description: `broker-sessions judges the log lines of this many past hours (default 24, at most ${MAX_LOG_WINDOW_H})` }),
    ),
    log_timestamp_format: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 64,
        description:
          'The broker\'s `log_timestamp_format` (strftime: %Y %m %d %H %M %S %z %F %T %e %b %y %s %%). Default: detected per line, epoch seconds or ISO 8601 (%Y-%m-%dT%H:%M:%S, optionally with %z)',
      }),
    ),
    log_max_mb: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 4096, description: 'Largest amount of log (MiB, the log and its rotated file together, decompressed) broker-sessions reads; a larger log is an error (default 256)' }),
    ),
    auth_failure_threshold: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000000, description: 'BS-02 fails when one address or one client id has this many authentication failures in the window (default 5)' }),
    ),
    tls_failure_threshold: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000000,
        description: 'BS-03 fails when one address has this many certificate failures in TLS handshakes in the window (default 5)',
      }),
    ),
    max_reconnects: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000000, description: 'BS-05 fails when one client id connects more than this many times in the window (default 20)' }),
    ),
  },
  { additionalProperties: false },
);
