import Type from 'typebox';
import { FilePath, SecretFile } from './common.js';

export const Schedule = Type.Union([
  Type.Object(
    {
      bundle: Type.String({ minLength: 1 }),
      cron: Type.String({ minLength: 1, description: 'Cron expression (node-cron syntax)' }),
      timezone: Type.Optional(Type.String()),
      jitter_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      snapshot: Type.Literal('monthly'),
      cron: Type.String({ minLength: 1 }),
      timezone: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
]);

export const ApiSection = Type.Object(
  {
    listen: Type.Optional(Type.String({ pattern: '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9_.-]+):\\d{1,5}$', description: 'host:port (default 127.0.0.1:7878)' })),
    token_file: Type.Optional(SecretFile('Bearer token for the API')),
    metrics_max_resources: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100000,
        description: 'At most this many distinct resources (and bundles) per /metrics series; the rest are folded into one series labelled (overflow). Default 200',
      }),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          cert_file: FilePath('PEM certificate (chain) the API serves over HTTPS'),
          key_file: SecretFile('PEM private key of that certificate'),
        },
        { additionalProperties: false, description: 'Serve the API over HTTPS (TLS 1.2+): needed whenever api.listen binds beyond loopback, since the bearer token crosses the network' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const StoreSection = Type.Object(
  {
    path: Type.Optional(FilePath('SQLite file (default ./pathaudit.db for the CLI)')),
    retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    key_file: Type.Optional(FilePath('Gateway Ed25519 signing key (default: next to the store, made on first use)')),
  },
  { additionalProperties: false },
);
