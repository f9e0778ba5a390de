import Type from 'typebox';

const Pointer = (description: string) => Type.String({ pattern: '^(/.*)?$', description });

export const TelemetrySection = Type.Object(
  {
    topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 64, description: 'Topic filters the devices publish telemetry on' }),
    device_id: Type.Optional(
      Type.Union(
        [
          Type.Object({ topic_level: Type.Integer({ minimum: 0, maximum: 32 }) }, { additionalProperties: false }),
          Type.Object({ pointer: Pointer('JSON pointer into the payload') }, { additionalProperties: false }),
        ],
        { description: 'Where the device id is read: a topic level (0-based) or a JSON pointer. Default: the level of the first `+` in topics[0]' },
      ),
    ),
    sequence: Type.Optional(Pointer('JSON pointer to the sequence number, a non-negative integer (default /seq)')),
    timestamp: Type.Optional(Pointer('JSON pointer to the device timestamp: epoch s, epoch ms or RFC 3339, detected per message (default /ts)')),
    window_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86400,
        description: 'Observation window (default 30). Must fit the check budget (runner.check_timeout_s) with 1 s to spare',
      }),
    ),
    listener: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Name of the broker listener to subscribe through (default: the first TLS listener, else the first one)' }),
    ),
    qos: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
        description: 'QoS of the probe subscription (default 1: devices publish at QoS 1, so a lower one would hide their redeliveries)',
      }),
    ),
    publish_interval_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86400,
        description:
          'Longest expected interval between two messages of one device (default 10). A window shorter than this cannot tell a silent device from a slow one: TI-03 is then skipped',
      }),
    ),
    duplicate_threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'TI-01 fails when duplicates / messages received exceeds this fraction (default 0.01). Same sequence with a different payload always fails (high)',
      }),
    ),
    gap_threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'TI-02 fails when missing sequence numbers / expected messages exceeds this fraction (default 0.001)',
      }),
    ),
    skew_threshold_s: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 86400 * 365, description: 'TI-04 fails when the median |device time − arrival time| exceeds this (default 10)' }),
    ),
    sequence_max: Type.Optional(
      Type.Integer({
        minimum: 255,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Largest sequence value before the device counter wraps to 0 (default 4294967295, a uint32 counter)',
      }),
    ),
    firmware: Type.Optional(
      Type.Object(
        {
          pointer: Pointer('JSON pointer to the firmware version in the payload (a string such as "2.4.1"; a leading "v" is accepted)'),
          minimum: Type.Optional(
            Type.String({
              // Semantic Versioning 2.0.0, the regular expression semver.org suggests (numbered groups removed).
              pattern:
                '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$',
              description: 'TI-07: the lowest firmware version allowed on the path, a semantic version (e.g. 2.4.0); devices reporting a lower one fail',
            }),
          ),
        },
        { additionalProperties: false, description: 'Firmware policy (TI-07, TI-08): where devices report their firmware version, and the minimum' },
      ),
    ),
    max_devices: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100000, description: 'Distinct device ids tracked in one window (default 10000); more are counted, not tracked' }),
    ),
  },
  { additionalProperties: false },
);
