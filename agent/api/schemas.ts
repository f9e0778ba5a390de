// TypeBox schemas of the API: one source for validation, serialization, the
// OpenAPI document at /docs and the request types of the routes. Patterns are
// strict so that a malformed id or month is a 400 naming the parameter, never
// a lookup.
//
// The daemon does not load TypeBox: routes import the same schemas as plain
// JSON from schemas.generated.ts (scripts/gen-api-schemas.ts, npm run
// gen:docs; a test catches drift) and only the types from here. TypeBox and
// the schemas it builds kept ~0.5 MB resident (docs/performance.md).
//
// The documents the API answers with (run document, posture, backlog,
// delta, snapshot) are the contracts of agent/contracts/, not redefined here:
// see contract-schemas.generated.ts.
import Type, { type Static } from 'typebox';
import { RunListItem } from '../contracts/run-document.js';
import { Nullable, StringEnum } from '../contracts/schema-kit.js';
import { RUN_STATUSES } from '../contracts/vocabulary.js';
import { REPORT_FORMATS } from '../reports/formats.js';

export const RUN_ID_PATTERN = '^run-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$';
export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';

/** Wherever the API takes a run: its id, `latest` (the latest finished run) or `baseline` (the baseline run), as the CLI does. */
const RUN_REF_PATTERN = `(${RUN_ID_PATTERN})|^latest$|^baseline$`;
const runRef = (description: string, def?: 'latest' | 'baseline') =>
  Type.String({ pattern: RUN_REF_PATTERN, ...(def ? { default: def } : {}), description: `${description}: a run id (e.g. run-20261126T120000Z-a1b2c3), "latest" (the latest finished run) or "baseline"` });
export const RunRef = runRef('The run');
export const RunIdParams = Type.Object({ id: RunRef }, { additionalProperties: false });
export type RunIdParams = Static<typeof RunIdParams>;

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    code: Type.Optional(Type.String()),
    message: Type.String(),
    runningId: Type.Optional(Type.String({ description: '409: the run in flight, to poll instead' })),
  },
  { $id: 'ErrorReply', description: 'Every 4xx/5xx answer' },
);

export const RunListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    bundle: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(StringEnum(RUN_STATUSES)),
  },
  { additionalProperties: false },
);
export type RunListQuery = Static<typeof RunListQuery>;

export const RunPage = Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), items: Type.Array(RunListItem) });

export const StartRunBody = Type.Object(
  {
    bundle: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'A built-in bundle or one from the config (default audit-baseline)' })),
    checks: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }), { minItems: 1, maxItems: 32, description: 'Check ids instead of a bundle' })),
  },
  { additionalProperties: false },
);
export type StartRunBody = Static<typeof StartRunBody>;

export const RunAccepted = Type.Object({ id: Type.String(), bundle: Type.String(), status: Type.Literal('running'), startedAt: Type.String(), location: Type.String() });

export const ReportQuery = Type.Object({ format: Type.String({ enum: [...REPORT_FORMATS], default: 'json' }) }, { additionalProperties: false });
export type ReportQuery = Static<typeof ReportQuery>;

export const BacklogQuery = Type.Object({ run: Type.Optional(runRef('The posture as this run left it (default: the latest)')) }, { additionalProperties: false });
export type BacklogQuery = Static<typeof BacklogQuery>;

export const DeltaQuery = Type.Object(
  {
    from: runRef('The earlier run (default: the baseline)', 'baseline'),
    to: runRef('The later run (default: the latest)', 'latest'),
  },
  { additionalProperties: false },
);
export type DeltaQuery = Static<typeof DeltaQuery>;

export const BaselineBody = Type.Object({ runId: runRef('The completed run to compare later runs against') }, { additionalProperties: false });
export type BaselineBody = Static<typeof BaselineBody>;

export const BaselineReply = Type.Object({
  runId: Nullable(Type.String()),
  run: Nullable(RunListItem),
});

export const MonthParams = Type.Object({ month: Type.String({ pattern: MONTH_PATTERN, description: 'YYYY-MM' }) }, { additionalProperties: false });
export type MonthParams = Static<typeof MonthParams>;

export const Health = Type.Object({
  status: Type.Unsafe<'ok' | 'degraded'>({ type: 'string', enum: ['ok', 'degraded'], description: 'degraded: the daemon answers but cannot write its store (reason says why); the last posture is still served' }),
  version: Type.String(),
  running: Nullable(Type.String()),
  reason: Type.Optional(Type.String()),
});
