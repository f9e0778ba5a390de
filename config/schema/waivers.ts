import Type from 'typebox';
import { DateString } from './common.js';

/**
 * An accepted risk. A waived finding is reported as waived and left out of the
 * posture and the next-move decision; from the day after `expires` it counts
 * as a finding again and the summary says the waiver lapsed.
 */
export const Waiver = Type.Object(
  {
    control: Type.String({ pattern: '^[A-Z]{2}-\\d{2}$', description: 'Control id, e.g. GG-04' }),
    resource: Type.Optional(Type.String({ minLength: 1, description: 'Resource id (e.g. "mqtt 127.0.0.1:1883"); omitted: the control on every resource' })),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why the risk is accepted, in words a reviewer can check' }),
    expires: DateString('Last day the waiver holds (UTC)'),
  },
  { additionalProperties: false },
);
