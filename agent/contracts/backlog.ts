// The backlog: open findings ranked for action, the contract of `GET
// /v1/backlog` (agent/evidence/backlog.ts ranks them).
import Type, { type Static } from 'typebox';
import { EFFORTS, SEVERITIES } from '../../probes/types.js';
import { ControlOnResource } from './run-document.js';
import { Instant, Nullable, StringEnum } from './schema-kit.js';
import { CHECK_OUTCOMES, EXPOSURES, FINDING_STATUSES } from './vocabulary.js';

export const BacklogItem = Type.Object({
  rank: Type.Integer({ minimum: 1 }),
  score: Type.Number({ description: 'severity weight × exposure × confidence' }),
  fingerprint: Type.String(),
  ...ControlOnResource,
  title: Type.String(),
  severity: StringEnum(SEVERITIES),
  status: StringEnum(FINDING_STATUSES),
  exposure: StringEnum(EXPOSURES),
  exposureBasis: Type.String({ description: 'Why the exposure was judged so, in words' }),
  confidence: Type.Number(),
  effort: StringEnum(EFFORTS),
  owner: Type.String({ description: 'Who usually owns the fix' }),
  remediation: Type.String(),
  verification: Type.Object(
    {
      bundle: Type.String({ description: 'What the rerun is recorded as: a bundle name, or checks:<ids> for a check list' }),
      checks: Type.Array(Type.String()),
      control: Type.String(),
      resource: Type.String(),
      command: Type.String(),
      expect: Type.String(),
    },
    { description: "The rerun that proves the fix: it runs the control's check and every check the control needs in the same run" },
  ),
  standards: Type.Array(Type.String()),
  evidence: Type.Array(Type.String()),
  waiverLapsed: Type.Boolean({ description: 'The waiver on this finding lapsed: it is back in the backlog' }),
  runId: Type.String({ description: 'The run that observed this finding' }),
  notRetested: Nullable(
    Type.Object({ since: Type.String(), reason: Type.String() }),
    'Kept open from an earlier run because the latest run of its check could not observe it',
  ),
});
export type BacklogItem = Static<typeof BacklogItem>;

export const BacklogView = Type.Object(
  {
    runId: Type.String({ description: 'The run the posture is taken as of (the latest finished run, or ?run=)' }),
    drawsOn: Type.Array(
      Type.Object({ check: Type.String(), runId: Type.String(), startedAt: Instant(), outcome: StringEnum(CHECK_OUTCOMES), reason: Type.Optional(Type.String()) }),
      { description: "The run each check's findings come from" },
    ),
    items: Type.Array(BacklogItem),
  },
  { title: 'pathaudit backlog', description: 'Open findings of the posture ranked for action' },
);
export type BacklogView = Static<typeof BacklogView>;
