// The JSON run document: the contract of `run --format json`, `GET
// /v1/runs/:id` and a bundle's run.json (README "Output formats"). Keys keep
// their meaning; new keys may be added (README "Contract notes").
import Type, { type Static } from 'typebox';
import { SEVERITIES, STATUSES } from '../../probes/types.js';
import { CountsOf, Described, Instant, Nullable, StringEnum } from './schema-kit.js';
import { CHECK_OUTCOMES, DECISIONS, FINDING_STATUSES, POSTURES, RUN_STATUSES, TRIGGERS } from './vocabulary.js';

export const Severity = StringEnum(SEVERITIES);
export const RunStatus = StringEnum(RUN_STATUSES, 'running until it ends; aborted when it never finished (a stop or a crash)');

export const CheckOutcome = Type.Object({
  check: Type.String(),
  outcome: StringEnum(CHECK_OUTCOMES, 'completed: collect and evaluate ran; error: the check threw; timeout: it overran its budget; skipped: not configured'),
  durationMs: Type.Number({ minimum: 0 }),
  reason: Type.Optional(Type.String({ description: 'Why the check did not complete' })),
  runId: Type.Optional(Type.String({ description: "Posture documents only: the run this check's results come from" })),
  startedAt: Type.Optional(Instant('Posture documents only: when that run started')),
});
export type CheckOutcome = Static<typeof CheckOutcome>;

export const HostFacts = Type.Object(
  {
    model: Nullable(Type.String(), 'Hardware model as the system reports it, e.g. "Raspberry Pi 5 Model B Rev 1.0"'),
    manufacturer: Nullable(Type.String()),
    serial: Nullable(Type.String(), 'Board or system serial number, when the system exposes one'),
    os: Nullable(Type.String(), 'e.g. "Debian GNU/Linux 12 (bookworm)"'),
    kernel: Nullable(Type.String()),
    arch: Nullable(Type.String()),
    hostname: Nullable(Type.String()),
    error: Type.Optional(Type.String({ description: 'Why some facts are missing, when reading them failed' })),
  },
  { description: 'The box the evidence came from' },
);
export type HostFacts = Static<typeof HostFacts>;

export const RunHeader = Type.Object({
  id: Type.String({ description: 'e.g. run-20261126T120000Z-a1b2c3' }),
  bundle: Type.String({ description: 'A bundle name, or checks:<ids> for a --check run' }),
  trigger: StringEnum(TRIGGERS),
  startedAt: Instant(),
  finishedAt: Nullable(Instant()),
  status: RunStatus,
  agentVersion: Type.String(),
  configHash: Type.String(),
  gatewayId: Type.String(),
  path: Nullable(Type.Object({ name: Type.Optional(Type.String()), pressure: Type.Optional(Type.String()), deadline: Type.Optional(Type.String()) }), 'The path under audit, as the config names it'),
  checks: Type.Array(CheckOutcome, { description: 'Per-check timing and outcome' }),
  host: Type.Optional(Described(HostFacts, 'The box the evidence came from (model, OS, kernel, serial); absent on runs recorded before it was read')),
  previousHash: Nullable(Type.String(), "Hash of the previous finished run's canonical record (null for the first run)"),
  hash: Nullable(Type.String(), "Hash of this run's canonical record (null until finished)"),
});
export type RunHeader = Static<typeof RunHeader>;

export const SeverityCounts = CountsOf(SEVERITIES);
export type SeverityCounts = Static<typeof SeverityCounts>;

export const RunSummary = Type.Object({
  posture: StringEnum(POSTURES),
  findings: Described(SeverityCounts, 'Open (unwaived) findings by severity'),
  decision: StringEnum(DECISIONS, 'The recommended next move'),
  decisionRule: Type.String({ description: 'The rule that produced the decision, in words' }),
  decisionBasis: Type.Optional(Type.Array(Severity, { description: 'Severities of the open findings that rule counted (sprint on criticals: ["critical"]); empty for hold' })),
  headline: Type.String(),
});
export type RunSummary = Static<typeof RunSummary>;

/** What a result, a finding or a change is about: a control of a check, on one resource. */
export const ControlOnResource = {
  control: Type.String({ description: 'e.g. BT-02' }),
  check: Type.String(),
  resource: Type.String({ description: 'A stable, readable id of what was probed, e.g. "mqtt 127.0.0.1:1883"' }),
};

export const ResultRecord = Type.Object({
  ...ControlOnResource,
  status: StringEnum(STATUSES),
  severity: Severity,
  detail: Type.String(),
  evidence: Type.Array(Type.String(), { description: 'Evidence ids (<check>:<key>)' }),
  gone: Type.Optional(Type.Literal(true, { description: 'Only on a skipped result: the check observed the resource absent' })),
});
export type ResultRecord = Static<typeof ResultRecord>;

export const WaiverRef = Type.Object({
  reason: Type.String(),
  expires: Type.String({ description: 'YYYY-MM-DD' }),
  lapsed: Type.Boolean({ description: "true when the waiver's expiry date has passed: the finding counts again" }),
});
export type WaiverRef = Static<typeof WaiverRef>;

export const FindingRecord = Type.Object({
  fingerprint: Type.String({ description: 'Stable across runs: control + resource' }),
  ...ControlOnResource,
  status: StringEnum(FINDING_STATUSES),
  severity: Severity,
  title: Type.String(),
  detail: Type.String(),
  remediation: Type.String(),
  verification: Type.String(),
  standards: Type.Array(Type.String()),
  evidence: Type.Array(Type.String()),
  waived: Type.Boolean(),
  waiver: Nullable(WaiverRef),
  notRetested: Type.Optional(
    Type.Object(
      { since: Type.String(), observedAt: Instant(), reason: Type.String() },
      { description: 'Posture documents only: kept open from run `since` because the latest run of its check could not observe the control on this resource (error)' },
    ),
  ),
});
export type FindingRecord = Static<typeof FindingRecord>;

export const EvidenceRecord = Type.Object({
  id: Type.String({ description: '<check>:<key>' }),
  check: Type.String(),
  kind: Type.String(),
  resource: Type.String(),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  data: Type.Unknown({ description: 'The observation, redacted of secrets: any JSON value' }),
});
export type EvidenceRecord = Static<typeof EvidenceRecord>;

export const RunDocument = Type.Object(
  {
    run: RunHeader,
    summary: RunSummary,
    results: Type.Array(ResultRecord),
    findings: Type.Array(FindingRecord),
    evidence: Type.Array(EvidenceRecord),
  },
  { title: 'pathaudit run document', description: 'One run: its header, summary, control results, findings and evidence' },
);
export type RunDocument = Static<typeof RunDocument>;

/** A run in a list (`GET /v1/runs`, `runs --format json`): its header's essentials and its summary. */
export const RunListItem = Type.Object({
  id: Type.String(),
  bundle: Type.String(),
  trigger: StringEnum(TRIGGERS),
  status: RunStatus,
  startedAt: Instant(),
  finishedAt: Nullable(Instant()),
  summary: Nullable(RunSummary, 'null until the run finishes'),
  hash: Nullable(Type.String()),
});
export type RunListItem = Static<typeof RunListItem>;
