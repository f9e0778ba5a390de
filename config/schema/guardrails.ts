import Type from 'typebox';
import { FilePath } from './common.js';

export const GuardrailsSection = Type.Object(
  {
    root: Type.Optional(FilePath('Root the guardrails read the system through (default /)')),
    allowed_listeners: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: 256 })),
    secret_files: Type.Optional(Type.Array(FilePath('Secret or key file'), { maxItems: 256 })),
  },
  { additionalProperties: false },
);
