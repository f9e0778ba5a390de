import Type from 'typebox';
import { DateString } from './common.js';

export const Waiver = Type.Object(
  {
    control: Type.String({ pattern: '^[A-Z]{2}-\\d{2}$' }),
    resource: Type.Optional(Type.String({ minLength: 1 })),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    expires: DateString('Expiry date'),
  },
  { additionalProperties: false },
);
