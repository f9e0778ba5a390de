import Type from 'typebox';

/**
 * Thresholds of the next-move rule (agent/evidence/summary.ts `decide`). Open
 * (unwaived) findings only:
 *   sprint          critical ≥ sprint_critical, or high ≥ sprint_high
 *   fix-internally  otherwise, high + medium ≥ fix_internally_min
 *   hold            otherwise
 */
export const DecisionSection = Type.Object(
  {
    sprint_critical: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Open critical findings at which a focused sprint is recommended (default 1)' }),
    ),
    sprint_high: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Open high findings at which a focused sprint is recommended (default 3)' })),
    fix_internally_min: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Open high + medium findings at which fixing internally is recommended rather than hold (default 1)' }),
    ),
  },
  { additionalProperties: false, description: 'Thresholds of the recommended next move (fix internally / focused sprint / hold)' },
);
