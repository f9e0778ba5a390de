// The monthly snapshot: the contract of `snapshot --format json` and `GET
// /v1/snapshots/:month` (agent/evidence/snapshot.ts takes it).
import Type, { type Static } from 'typebox';
import { BacklogItem } from './backlog.js';
import { ControlDelta, Delta } from './delta.js';
import { RunSummary } from './run-document.js';
import { Described, Instant, Nullable, StringEnum } from './schema-kit.js';
import { REGRESSION_SOURCES } from './vocabulary.js';

export const SnapshotRegression = Type.Object({
  ...ControlDelta.properties,
  against: StringEnum(REGRESSION_SOURCES, 'Which comparison found it: since the previous snapshot (drift) or against the baseline'),
});
export type SnapshotRegression = Static<typeof SnapshotRegression>;

export const Snapshot = Type.Object(
  {
    month: Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }),
    takenAt: Instant(),
    latest: Nullable(
      Type.Object({ runId: Type.String(), bundle: Type.String(), startedAt: Instant(), hash: Nullable(Type.String()), summary: RunSummary }),
      'The posture at the end of the month; runId is the latest run contributing to it (null when there is none)',
    ),
    baselineId: Nullable(Type.String()),
    deltaToBaseline: Nullable(Delta),
    previous: Nullable(Type.Object({ month: Type.String(), runId: Nullable(Type.String()) }), 'The previous snapshot'),
    drift: Nullable(Described(Delta, "Delta from the previous snapshot's posture to this one's")),
    regressions: Type.Array(SnapshotRegression, { description: 'Drift regressions first, then regressions against the baseline not already listed' }),
    backlog: Type.Array(BacklogItem, { description: "The refreshed priorities: the top of the posture's backlog" }),
    headline: Type.String(),
  },
  { title: 'pathaudit snapshot', description: 'The monthly retainer record: posture, delta to the baseline, drift since the previous snapshot' },
);
export type Snapshot = Static<typeof Snapshot>;
