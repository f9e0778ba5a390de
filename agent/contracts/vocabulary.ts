// The words of the contracts, each list defined once: the run document, the
// API, the reports and the CLI take their enums from here (severities and
// statuses from probes/types.ts, where checks use them). Plain arrays, no
// TypeBox: the daemon imports this module at run time, while the TypeBox
// schemas built from these lists (agent/contracts/*.ts) are loaded only by
// the generators and the tests.
export { EFFORTS, SEVERITIES, STATUSES, type Effort, type Severity, type Status } from '../../probes/types.js';

/** A run's lifecycle: `running` from the moment it is recorded; `aborted` when it never finished (a stop, a crash). */
export const RUN_STATUSES = ['running', 'completed', 'failed', 'aborted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Who started a run. */
export const TRIGGERS = ['cli', 'api', 'schedule', 'demo'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** The path's posture, worst first. */
export const POSTURES = ['exposed', 'degraded', 'hardened'] as const;
export type Posture = (typeof POSTURES)[number];

/** The recommended next move. */
export const DECISIONS = ['fix-internally', 'sprint', 'hold'] as const;
export type Decision = (typeof DECISIONS)[number];

/** How a check ended in a run: completed (collect and evaluate ran), error (it threw), timeout (it overran its budget), skipped (not configured). */
export const CHECK_OUTCOMES = ['completed', 'error', 'timeout', 'skipped'] as const;
export type CheckOutcomeKind = (typeof CHECK_OUTCOMES)[number];

/** Per control and resource, in the order a delta lists them: regressions first. */
export const CONTROL_CHANGES = ['regressed', 'new', 'improved', 'not-retested', 'gone', 'unchanged'] as const;
export type ControlChange = (typeof CONTROL_CHANGES)[number];

/** Per finding, in the order a delta lists them. */
export const FINDING_CHANGES = ['new', 'persisting', 'not-retested', 'resolved'] as const;
export type FindingChange = (typeof FINDING_CHANGES)[number];

/** Where a finding's resource can be reached from (the backlog's exposure factor). */
export const EXPOSURES = ['beyond-loopback', 'unknown', 'loopback-only'] as const;
export type Exposure = (typeof EXPOSURES)[number];

/** Which comparison of a snapshot found a regression. */
export const REGRESSION_SOURCES = ['previous-snapshot', 'baseline'] as const;
export type RegressionSource = (typeof REGRESSION_SOURCES)[number];

/** A finding is a failing or warning result. */
export const FINDING_STATUSES = ['fail', 'warn'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
