// The one source of truth for the config: validation (ajv), TypeScript types
// (Static) and the published JSON schema (config/pathaudit.schema.json, written
// by scripts/gen-schema.ts and kept in sync by a test) all come from here.
import Type, { type Static } from 'typebox';
import { BrokerSection } from './broker.js';
import { ApiSection, Schedule, StoreSection } from './daemon.js';
import { DecisionSection } from './decision.js';
import { DevicesSection } from './devices.js';
import { GatewaySection, PathSection, RunnerSection } from './gateway.js';
import { GuardrailsSection } from './guardrails.js';
import { IngestSection } from './ingest.js';
import { TelemetrySection } from './telemetry.js';
import { Waiver } from './waivers.js';

export const ConfigSchema = Type.Object(
  {
    gateway: Type.Optional(GatewaySection),
    path: Type.Optional(PathSection),
    broker: Type.Optional(BrokerSection),
    ingest: Type.Optional(IngestSection),
    devices: Type.Optional(DevicesSection),
    telemetry: Type.Optional(TelemetrySection),
    guardrails: Type.Optional(GuardrailsSection),
    bundles: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), {
        description: 'Operator-defined bundles: name (lower-case, digits, dashes) → check ids',
        additionalProperties: false,
      }),
    ),
    schedules: Type.Optional(Type.Array(Schedule, { maxItems: 64 })),
    api: Type.Optional(ApiSection),
    store: Type.Optional(StoreSection),
    waivers: Type.Optional(Type.Array(Waiver, { maxItems: 1000 })),
    runner: Type.Optional(RunnerSection),
    decision: Type.Optional(DecisionSection),
  },
  {
    additionalProperties: false,
    $id: 'https://pathaudit.dev/schema/config.json',
    title: 'pathaudit configuration',
    description: 'Every section is optional; a check whose section is missing reports its controls skipped.',
  },
);

export type PathauditConfig = Static<typeof ConfigSchema>;
export type BrokerConfig = NonNullable<PathauditConfig['broker']>;
export type ListenerConfig = BrokerConfig['listeners'][number];
