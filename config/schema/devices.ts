import Type from 'typebox';
import { FilePath } from './common.js';

export const DevicesSection = Type.Object(
  {
    ca_file: Type.Optional(FilePath('Device CA certificate')),
    cert_dir: Type.Optional(FilePath('Directory of device certificates (*.pem, *.crt)')),
    inventory: Type.Optional(
      Type.Array(
        Type.Object(
          { id: Type.String({ minLength: 1, maxLength: 128 }), cert: Type.Optional(FilePath('Device certificate')) },
          { additionalProperties: false },
        ),
        { maxItems: 100000 },
      ),
    ),
    expiry_warn_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'DC-02: a device certificate expiring within this many days fails (default 30)' })),
  },
  { additionalProperties: false },
);
