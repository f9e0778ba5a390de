// The JSON run document: the contract of `run --format json` and
// `GET /v1/runs/:id` (README: The run document). Keys keep their meaning.
import type { Severity, Status } from '../../probes/types.js';
import type { HostFacts } from './host.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'aborted';
export type Trigger = 'cli' | 'api' | 'schedule' | 'demo';
export type Posture = 'exposed' | 'hardened' | 'degraded';
export type Decision = 'fix-internally' | 'sprint' | 'hold';

export interface CheckOutcome {
  check: string;
  /** completed: collect and evaluate ran; error: the check threw; timeout: it overran its budget; skipped: not configured. */
  outcome: 'completed' | 'error' | 'timeout' | 'skipped';
  durationMs: number;
  reason?: string;
  /** Posture documents only: the run this check's results come from, and when it started. */
  runId?: string;
  startedAt?: string;
}

export interface RunHeader {
  id: string;
  bundle: string;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  agentVersion: string;
  configHash: string;
  gatewayId: string;
  path: { name?: string; pressure?: string; deadline?: string } | null;
  checks: CheckOutcome[];
  /** The box the evidence came from (model, OS, kernel, serial); absent on runs recorded before it was read. */
  host?: HostFacts;
  /** Hash of the previous finished run's canonical record (null for the first run). */
  previousHash: string | null;
  /** Hash of this run's canonical record (null until finished). */
  hash: string | null;
}

export type SeverityCounts = Record<Severity, number>;

export interface RunSummary {
  posture: Posture;
  findings: SeverityCounts;
  decision: Decision;
  /** The rule that produced the decision, in words. */
  decisionRule: string;
  /** Severities of the open findings that rule counted (sprint on criticals: ["critical"]); empty for hold. */
  decisionBasis?: Severity[];
  headline: string;
}

export interface ResultRecord {
  control: string;
  check: string;
  resource: string;
  status: Status;
  severity: Severity;
  detail: string;
  /** Evidence ids (`<check>:<key>`). */
  evidence: string[];
  /** Only on a `skipped` result: the check observed the resource absent (see ControlResult.gone). Absent otherwise. */
  gone?: true;
}

export interface WaiverRef {
  reason: string;
  expires: string;
  /** true when the waiver's expiry date has passed: the finding counts again. */
  lapsed: boolean;
}

export interface FindingRecord {
  fingerprint: string;
  control: string;
  check: string;
  resource: string;
  status: 'fail' | 'warn';
  severity: Severity;
  title: string;
  detail: string;
  remediation: string;
  verification: string;
  standards: string[];
  evidence: string[];
  waived: boolean;
  waiver: WaiverRef | null;
  /**
   * Posture documents only: the finding is kept open from run `since` because
   * the latest run of its check could not observe the control on this
   * resource (error). It was not re-tested; `reason` says what failed.
   */
  notRetested?: { since: string; observedAt: string; reason: string };
}

export interface EvidenceRecord {
  id: string;
  check: string;
  kind: string;
  resource: string;
  sha256: string;
  data: unknown;
}

export interface RunDocument {
  run: RunHeader;
  summary: RunSummary;
  results: ResultRecord[];
  findings: FindingRecord[];
  evidence: EvidenceRecord[];
}
