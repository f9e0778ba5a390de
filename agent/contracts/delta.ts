// The delta between two runs (or postures): the contract of `delta --format
// json`, `GET /v1/delta` and a snapshot's deltaToBaseline and drift
// (agent/evidence/delta.ts computes it).
import Type, { type Static } from 'typebox';
import { SEVERITIES, STATUSES } from '../../probes/types.js';
import { ControlOnResource, SeverityCounts } from './run-document.js';
import { CountsOf, Described, Instant, Nullable, StringEnum } from './schema-kit.js';
import { CONTROL_CHANGES, DECISIONS, FINDING_CHANGES, POSTURES } from './vocabulary.js';

export const ResultSide = Type.Object({
  status: StringEnum(STATUSES),
  severity: StringEnum(SEVERITIES),
  detail: Type.String(),
  evidence: Type.Array(Type.String()),
});
export type ResultSide = Static<typeof ResultSide>;

export const ControlDelta = Type.Object({
  ...ControlOnResource,
  change: StringEnum(CONTROL_CHANGES),
  from: Nullable(ResultSide, 'The result in `from`, or null when `from` had none'),
  to: Nullable(ResultSide, 'The result in `to`, or null when `to` had none (gone, or its check did not run there)'),
  reason: Type.String({ description: 'Why the change was classified this way, in words' }),
});
export type ControlDelta = Static<typeof ControlDelta>;

export const FindingDelta = Type.Object({
  fingerprint: Type.String(),
  ...ControlOnResource,
  severity: StringEnum(SEVERITIES),
  title: Type.String(),
  change: StringEnum(FINDING_CHANGES),
  waived: Type.Boolean({ description: 'On the `to` side (the `from` side for a resolved or not re-tested finding)' }),
  reason: Type.String({ description: 'What `to` observed (or why it observed nothing) on this control and resource' }),
});
export type FindingDelta = Static<typeof FindingDelta>;

export const DeltaSide = Type.Object({
  id: Type.String({ description: 'A run id, or posture@<run id> when the side is a posture' }),
  bundle: Type.String(),
  startedAt: Instant(),
  posture: StringEnum(POSTURES),
  headline: Type.String(),
});
export type DeltaSide = Static<typeof DeltaSide>;

export const NextMove = Type.Object(
  {
    decision: StringEnum(DECISIONS),
    decisionRule: Type.String(),
    findings: Described(SeverityCounts, 'Open (unwaived) findings by severity: those of `to` plus the not re-tested ones of `from`'),
    notRetested: Type.Integer({ minimum: 0, description: 'How many of them were not re-tested' }),
  },
  { description: 'The next move after `to`, counting the findings `to` did not re-test as still open' },
);
export type NextMove = Static<typeof NextMove>;

export const Delta = Type.Object(
  {
    from: DeltaSide,
    to: DeltaSide,
    controls: Type.Array(ControlDelta, { description: 'Regressions first, then new results, improvements, not re-tested, gone, unchanged' }),
    findings: Type.Array(FindingDelta, { description: 'New first, then persisting, not re-tested, resolved; by severity within each' }),
    counts: CountsOf(CONTROL_CHANGES),
    findingCounts: CountsOf(FINDING_CHANGES),
    notRetestedChecks: Type.Array(Type.Object({ check: Type.String(), reason: Type.String() }), {
      description: 'Checks with results in `from` that `to` did not re-test, and why (not run, error, timeout, not configured, same run)',
    }),
    nextMove: NextMove,
    headline: Type.String({ description: 'e.g. "21 controls improved · 0 regressions · 24 findings resolved · 1 not re-tested"' }),
  },
  { title: 'pathaudit delta', description: 'Per-control and per-finding changes between two runs; claims only what `to` observed' },
);
export type Delta = Static<typeof Delta>;
