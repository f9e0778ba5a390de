// The check contract: every probe folder under probes/ exports one Check.
//
// A check has two halves that never mix:
//   collect()  — all I/O (sockets, files, commands); returns evidence records.
//   evaluate() — a pure function of evidence + config; returns control results.
// Keeping judgement pure means stored evidence can be re-evaluated later by
// anyone (an auditor re-verifying a bundle) and evaluate() is unit-testable
// without a network.
import type { PathauditConfig } from '../config/schema/index.js';
import type { BundleName } from './bundles.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['pass', 'fail', 'warn', 'skipped', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/** Rough effort to fix a control's findings, smallest first (the backlog ranks quick wins first on ties). */
export const EFFORTS = ['small', 'medium', 'large'] as const;
export type Effort = (typeof EFFORTS)[number];

/** Standard frameworks a control maps to (see DESIGN.md, "Control catalogue"). */
export const STANDARDS = {
  E: 'ETSI EN 303 645',
  I: 'OWASP ISVS',
  C: 'IEC 62443-4-2',
  R: 'EU CRA Annex I part I(2)',
  /** Vulnerability handling: security updates without delay (firmware policy, TI-07/08). */
  V: 'EU CRA Annex I part II',
  N: 'NIST IR 8259A',
} as const;

/** A control is data: one stable, testable rule. Validated by test/probes/contract.test.ts. */
export interface ControlMeta {
  /** Stable id, `XX-NN`, never reused once shipped. */
  id: string;
  title: string;
  /** Default severity; a result may lower or raise it (e.g. BT-01 on loopback only is low). */
  severity: Severity;
  rationale: string;
  remediation: string;
  /** How to prove the fix: what to rerun and what to expect. */
  verification: string;
  /** Clause references such as `ETSI EN 303 645 5.5-1`. */
  standards: string[];
  /** Rough effort to fix: used by the backlog. */
  effort: Effort;
  /**
   * Other checks whose evidence this control reads in the same run
   * (EvaluateInput.runEvidence): without them it is `skipped`. A rerun that
   * verifies the control must run them too (the backlog's verify plan).
   */
  needs?: string[];
  /**
   * What a finding of this control means for the business, in plain words,
   * when sharper than its check's (the leadership summary's top risks).
   */
  plainWords?: string;
}

/** One raw observation, redacted of secrets before it leaves collect(). */
export interface Evidence<D = unknown> {
  /** Unique within the check (e.g. `tls-scan mqtts 127.0.0.1:8883`); the stored id is `<check>:<key>`. */
  key: string;
  /** What kind of observation: `tcp-connect`, `mqtt-connack`, `tls-handshake`, … */
  kind: string;
  /** Resource the observation is about (stable, readable id). */
  resource: string;
  data: D;
}

/** The judgement on one control for one resource. */
export interface ControlResult {
  control: string;
  resource: string;
  status: Status;
  /** Overrides the control's default severity for this resource. */
  severity?: Severity;
  /** One sentence an operator can read: what was observed and why it matters. */
  detail: string;
  /** Evidence keys (within the check) behind this result. Empty only for `skipped`/`error`. */
  evidence: string[];
  /**
   * The check observed that the resource no longer exists (e.g. a declared
   * listener whose port refuses connections): only with status `skipped`,
   * backed by that observation. A delta reads it as the resource gone, so a
   * finding on it is resolved rather than left not re-tested.
   */
  gone?: boolean;
  /**
   * The fix for this resource, naming its paths and accounts (e.g. the exact
   * chown/chmod for a key file); the finding carries it instead of the
   * control's general remediation.
   */
  remediation?: string;
}

/**
 * When one pathaudit run was in flight: ISO 8601 start and end, the end null
 * while it runs (the current run's window is open). Checks that read the
 * system's own logs (broker-sessions) tell the probe's traffic from the
 * devices' by these.
 */
export interface RunWindow {
  startedAt: string;
  finishedAt: string | null;
}

export interface CollectContext {
  config: PathauditConfig;
  /** Secret values loaded with the config (read-only use; never put them in evidence). */
  secrets: { get(file: string): string; has(file: string): boolean; register(value: string): void };
  /** Aborted when the check's time budget runs out: every socket must close on it. */
  signal: AbortSignal;
  /** This check's whole time budget in ms (runner.check_timeout_s plus the check's extraBudgetS). */
  budgetMs?: number;
  /** Budget for one network step (connect, handshake, request). */
  stepTimeoutMs: number;
  log: { debug(obj: object, msg?: string): void; info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Progress callback: a human-readable step, shown while a run is in flight. */
  progress?: (step: string) => void;
  /** Every pathaudit run in this store that may have left traffic in logs, the current one included (open-ended). */
  runWindows: readonly RunWindow[];
}

export interface EvaluateInput {
  config: PathauditConfig;
  /** Evidence this check collected. */
  evidence: Evidence[];
  /** Evidence every check of the run collected (for cross-check controls such as DC-08). */
  runEvidence: Evidence[];
  /** Evaluation time (injected so evaluate stays pure; expiry maths uses it). */
  now: Date;
}

/** A check as the catalogue knows it: its metadata, without the probing code (probes/catalogue.ts). */
export interface CheckInfo {
  id: string;
  title: string;
  controls: ControlMeta[];
  /** The built-in bundles that run this check (probes/bundles.ts); `full` runs every check. */
  bundles: readonly BundleName[];
  /** Who usually owns the fix of its findings (the backlog's owner hint). */
  owner: string;
  /** What its findings mean for the business, in plain words (a control may say it sharper). */
  plainWords: string;
  /** The config sections it reads. */
  configSections: readonly (keyof PathauditConfig)[];
  /**
   * Why the check cannot run with this config (its section is missing), or null.
   * When non-null every control is reported `skipped` with this reason.
   */
  notConfigured: (config: PathauditConfig) => string | null;
  /** The probing code, loaded only where runs execute (the run process), not by the daemon or the CLI's views. */
  load(): Promise<CheckCode>;
}

/** What a check does: I/O in collect, judgement in evaluate. */
export interface CheckCode {
  /** Seconds this check needs on top of runner.check_timeout_s (e.g. the telemetry observation window). */
  extraBudgetS?(config: PathauditConfig): number;
  collect(ctx: CollectContext): Promise<Evidence[]>;
  evaluate(input: EvaluateInput): ControlResult[];
}

export type Check = CheckInfo & CheckCode;
