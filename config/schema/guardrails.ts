import Type from 'typebox';
import { FilePath } from './common.js';

const ProcessName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^/\\s]+$', description: 'Process name (comm, argv[0] or script basename)' });

export const GuardrailsSection = Type.Object(
  {
    root: Type.Optional(
      FilePath('Root the guardrails read the system through (default /). Any other root is an image or fixture: only files under it are read, live-only sources are skipped'),
    ),
    allowed_listeners: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: 256, description: 'Ports allowed to listen beyond loopback (GG-03)' }),
    ),
    secret_files: Type.Optional(
      Type.Array(FilePath('Secret or key file on the audited system, read under root; only its mode is read (GG-10)'), { maxItems: 256 }),
    ),
    process_names: Type.Optional(
      Type.Object(
        {
          broker: Type.Optional(Type.Array(ProcessName, { maxItems: 16, description: 'Broker process names (default mosquitto, emqx, nanomq, vernemq)' })),
          relay: Type.Optional(Type.Array(ProcessName, { maxItems: 16, description: 'Ingest relay process names (no default: relays have no standard name)' })),
        },
        { additionalProperties: false, description: 'Processes whose owner GG-05 checks' },
      ),
    ),
    disk: Type.Optional(
      Type.Array(
        Type.Object(
          {
            mount: Type.String({ minLength: 1, pattern: '^/', description: 'Mount point on the live system' }),
            min_free_percent: Type.Number({ minimum: 0, maximum: 100, description: 'Minimum free space (percent of the file system available to unprivileged users)' }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 32, description: 'Mounts whose free space GG-08 checks (default: / with 10 %)' },
      ),
    ),
  },
  { additionalProperties: false },
);
