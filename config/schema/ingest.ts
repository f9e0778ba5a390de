import Type from 'typebox';
import { FilePath, Host, SecretFile } from './common.js';

export const IngestSection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Ingest endpoint (http or https URL)' }),
    servername: Type.Optional(Host('The name (or IP) devices dial, as for the broker')),
    ca_file: Type.Optional(FilePath('Trust anchor for the ingest certificate')),
    auth: Type.Optional(
      Type.Object(
        {
          type: Type.Union([Type.Literal('bearer'), Type.Literal('basic'), Type.Literal('client-cert')]),
          token_file: Type.Optional(SecretFile('Bearer token')),
          username: Type.Optional(Type.String({ maxLength: 256 })),
          password_file: Type.Optional(SecretFile('Basic auth password')),
          cert_file: Type.Optional(FilePath('Client certificate')),
          key_file: Type.Optional(SecretFile('Client private key')),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
