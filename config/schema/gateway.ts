import Type from 'typebox';
import { DateString } from './common.js';

export const GatewaySection = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Gateway id (default: the host name)' })),
    site: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const PathSection = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'The path under audit, in words' }),
    pressure: Type.Optional(Type.String({ maxLength: 200, description: 'Why the audit is happening now' })),
    deadline: Type.Optional(DateString('Decision deadline')),
  },
  { additionalProperties: false },
);

export const RunnerSection = Type.Object(
  {
    check_timeout_s: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Time budget per check (default 10)' })),
    step_timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 60000, description: 'Time budget per network step (default 3000)' })),
  },
  { additionalProperties: false },
);
