import Type from 'typebox';
import { FilePath, Host, SecretFile } from './common.js';

/** Body size the oversized-body request (IA-06) is judged against when `max_body_bytes` is not set: fastify's and many relays' default. */
import { DEFAULT_MAX_BODY_BYTES } from './defaults.js';

export { DEFAULT_MAX_BODY_BYTES };

export const IngestAuth = Type.Object(
  {
    type: Type.Union([Type.Literal('bearer'), Type.Literal('basic'), Type.Literal('client-cert'), Type.Literal('jwt')], {
      description:
        'How devices authenticate to the relay: bearer (static token), basic (user + password), client-cert (mutual TLS), jwt (HS256 bearer JWT minted by the probe with jwt_secret_file; adds the expired-credential request for IA-02)',
    }),
    token_file: Type.Optional(SecretFile('Bearer token (type bearer)')),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'User name (type basic)' })),
    password_file: Type.Optional(SecretFile('Basic auth password (type basic)')),
    cert_file: Type.Optional(FilePath('Client certificate, PEM (type client-cert)')),
    key_file: Type.Optional(SecretFile('Client private key, PEM (type client-cert)')),
    jwt_secret_file: Type.Optional(SecretFile('HS256 key the relay verifies JWTs with (type jwt); the probe signs a valid token and an expired one with it')),
    jwt_claims: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }), Type.String({ maxLength: 256 }), {
        maxProperties: 16,
        description: 'Extra claims the relay requires in a JWT, e.g. { iss: gateway, aud: ingest } (type jwt); exp and iat are set by the probe',
      }),
    ),
  },
  { additionalProperties: false, description: 'The valid credential of the path, read from files; the probe also derives malformed, wrong and (jwt) expired ones from its kind' },
);

export const IngestSection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Ingest endpoint (http or https URL); the resource id is `ingest <url>`' }),
    servername: Type.Optional(Host('The name (or IP) devices dial, as for the broker')),
    ca_file: Type.Optional(FilePath('Trust anchor for the ingest certificate')),
    probe_path: Type.Optional(
      Type.String({
        pattern: '^/',
        maxLength: 1024,
        description: 'Path the probe requests go to, on the host and port of url (default: the path of url). Every probe request carries the header `X-Pathaudit-Probe: 1` and `"pathaudit_probe": true` in its body',
      }),
    ),
    max_body_bytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 16 * 1024 * 1024,
        description: `Largest body the relay is meant to accept; the oversized-body request (IA-06) sends 1 KiB more than this (default ${DEFAULT_MAX_BODY_BYTES})`,
      }),
    ),
    auth: Type.Optional(IngestAuth),
  },
  { additionalProperties: false },
);
