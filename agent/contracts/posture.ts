// The path's posture: the contract of `GET /v1/posture` (agent/api/posture.ts
// computes it; agent/evidence/posture.ts says which run each check's results
// come from).
import Type, { type Static } from 'typebox';
import { STATUSES } from '../../probes/types.js';
import { FindingRecord, ResultRecord, RunStatus, RunSummary } from './run-document.js';
import { CountsOf, Instant, Nullable, StringEnum } from './schema-kit.js';
import { CHECK_OUTCOMES } from './vocabulary.js';

export const PostureResult = Type.Object({
  ...ResultRecord.properties,
  runId: Type.String({ description: 'The run that observed this result' }),
  observedAt: Instant('When that run finished'),
});
export type PostureResult = Static<typeof PostureResult>;

const CheckOutcomeKind = StringEnum(CHECK_OUTCOMES);

export const PostureSource = Type.Object(
  {
    check: Type.String(),
    runId: Type.String(),
    startedAt: Instant(),
    finishedAt: Nullable(Instant()),
    outcome: CheckOutcomeKind,
    notCompletedSince: Type.Array(
      Type.Object({ runId: Type.String(), startedAt: Instant(), outcome: CheckOutcomeKind, reason: Type.Optional(Type.String()) }),
      { description: 'Later runs of the check that observed nothing (error, timeout, not configured): they did not replace these results' },
    ),
  },
  { description: "Where the posture takes one check's results from" },
);
export type PostureSource = Static<typeof PostureSource>;

export const PostureView = Type.Object(
  {
    gatewayId: Type.String(),
    generatedAt: Instant(),
    latestRun: Nullable(
      Type.Object({ id: Type.String(), bundle: Type.String(), status: RunStatus, startedAt: Instant(), finishedAt: Nullable(Instant()), durationMs: Nullable(Type.Number()) }),
      'The latest finished run (null while there is none)',
    ),
    summary: Nullable(RunSummary, 'Over the posture; null while nothing was observed'),
    statusCounts: CountsOf(STATUSES, 'Results of the posture by status'),
    results: Type.Array(PostureResult, { description: 'The latest result per control and resource' }),
    findings: Type.Array(FindingRecord, { description: "Open and waived findings behind the results, with today's waivers" }),
    sources: Type.Array(PostureSource, { description: "The run each check's results come from" }),
  },
  { title: 'pathaudit posture', description: 'The latest result of every check across finished runs, its findings and summary' },
);
export type PostureView = Static<typeof PostureView>;
