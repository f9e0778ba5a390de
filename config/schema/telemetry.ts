import Type from 'typebox';

export const TelemetrySection = Type.Object(
  {
    topics: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 64 }),
    device_id: Type.Optional(
      Type.Union([
        Type.Object({ topic_level: Type.Integer({ minimum: 0, maximum: 32 }) }, { additionalProperties: false }),
        Type.Object({ pointer: Type.String({ pattern: '^(/.*)?$' }) }, { additionalProperties: false }),
      ]),
    ),
    sequence: Type.Optional(Type.String({ pattern: '^(/.*)?$', description: 'JSON pointer to the sequence number' })),
    timestamp: Type.Optional(Type.String({ pattern: '^(/.*)?$', description: 'JSON pointer to the device timestamp' })),
    window_s: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400, description: 'Observation window (default 30)' })),
  },
  { additionalProperties: false },
);
