// The backlog: open findings ranked for action (README: How pathaudit decides, "Backlog ranking").
//
// Ranking rule (documented in the README and the report):
//   score = severity weight × exposure factor × confidence
//   severity weight: critical 10 · high 6 · medium 3 · low 1 · info 0.5
//   exposure factor: 1.5 reachable beyond loopback (a listen-address
//     observation of the resource says so, or the resource names a
//     non-loopback address) · 1.0 not known (no address: a device, sshd, a
//     file) · 0.5 loopback only (only a process on the gateway can reach it)
//   confidence: 1.0 for a `fail` backed by evidence · 0.7 for a `warn` (a
//     weaker signal: threshold or heuristic) · halved when the finding cites no
//     evidence it can show
// Ties: smaller effort first (quick wins), then control id, then resource.
// Waived findings are accepted risk and stay out; a lapsed waiver is back in.
import { isIP } from 'node:net';
import { BUILTIN_BUNDLES, CHECK_INFOS, CONTROLS, checkInfo } from '../../probes/catalogue.js';
import { EFFORTS, type Effort, type Severity } from '../../probes/types.js';
import type { BacklogItem, BacklogView } from '../contracts/backlog.js';
import type { Exposure } from '../contracts/vocabulary.js';
import type { FindingRecord, RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';
import { postureDocument } from './posture.js';
import type { DecisionThresholds } from './summary.js';
import { compareText } from '../../probes/compare.js';

// A backlog row's shape is defined once, with its schema, in agent/contracts/backlog.ts.
export type { BacklogItem, BacklogView } from '../contracts/backlog.js';
export type { Effort, Exposure };

export const SEVERITY_WEIGHT: Record<Severity, number> = { critical: 10, high: 6, medium: 3, low: 1, info: 0.5 };
export const EXPOSURE_FACTOR: Record<Exposure, number> = { 'beyond-loopback': 1.5, unknown: 1, 'loopback-only': 0.5 };
const effortRank = (e: Effort) => EFFORTS.indexOf(e);


function isLoopbackAddress(a: string): boolean {
  const host = a.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host.startsWith('::ffff:127.');
}

/** The host named in a resource id (`mqtts 127.0.0.1:8883`, `ingest https://10.0.0.2:8443/x`, `socket 0.0.0.0:1883`). */
export function addressOfResource(resource: string): string | null {
  const url = resource.match(/[a-z]+:\/\/(\[[^\]]+\]|[^/:\s]+)/i);
  if (url) return url[1]!;
  const hp = resource.match(/(?:^|\s)(\[[0-9a-fA-F:]+\]|\d{1,3}(?:\.\d{1,3}){3}):\d+/);
  return hp ? hp[1]! : null;
}

export function exposureOf(doc: RunDocument, f: FindingRecord): { exposure: Exposure; basis: string } {
  // A listen-address observation is the strongest signal: it is what the socket is bound to.
  for (const e of doc.evidence) {
    if (e.resource !== f.resource) continue;
    const beyond = (e.data as { beyondLoopback?: unknown } | null)?.beyondLoopback;
    if (beyond === true) return { exposure: 'beyond-loopback', basis: `${e.id}: bound beyond loopback` };
    if (beyond === false) return { exposure: 'loopback-only', basis: `${e.id}: bound to loopback only` };
  }
  const addr = addressOfResource(f.resource);
  if (addr && (isIP(addr.replace(/^\[|\]$/g, '')) || addr === 'localhost')) {
    if (isLoopbackAddress(addr)) return { exposure: 'loopback-only', basis: `resource names loopback address ${addr}` };
    return { exposure: 'beyond-loopback', basis: `resource names address ${addr}` };
  }
  if (addr) return { exposure: 'beyond-loopback', basis: `resource names host ${addr}, assumed reachable from the network` };
  return { exposure: 'unknown', basis: 'no address observed for this resource' };
}

export function confidenceOf(f: FindingRecord): number {
  const base = f.status === 'fail' ? 1 : 0.7;
  return f.evidence.length ? base : base / 2;
}

export interface VerifyPlan {
  /** What the rerun is recorded as: a bundle name, or `checks:<ids>` (as planRun records a --check run). */
  bundle: string;
  /** The checks it runs. */
  checks: string[];
  command: string;
}

/** The checks a rerun needs to judge a control: its own and those it reads in the same run (ControlMeta.needs). */
export function checksToVerify(control: string): string[] {
  const meta = CONTROLS.get(control);
  if (!meta) throw new Error(`control ${control} is not in the catalogue`);
  return [meta.check, ...(meta.needs ?? []).filter((n) => n !== meta.check)];
}

/**
 * The rerun that proves a fix, derived from the catalogue: hardening-verification
 * (the sprint's rerun) when it runs everything the control needs; else a
 * built-in bundle of exactly those checks (certificate-hygiene,
 * telemetry-trust); else those checks by name, so the rerun stays as small as
 * the proof (`--check broker-cert`, `--check device-certs,telemetry`).
 */
export function verifyPlan(control: string): VerifyPlan {
  const needed = checksToVerify(control);
  const covers = (checks: readonly string[]) => needed.every((c) => checks.includes(c));
  const hv = BUILTIN_BUNDLES['hardening-verification'];
  if (covers(hv)) return { bundle: 'hardening-verification', checks: [...hv], command: 'pathaudit run --bundle hardening-verification' };
  const exact = Object.entries(BUILTIN_BUNDLES).find(([, checks]) => covers(checks) && checks.length === needed.length);
  if (exact) return { bundle: exact[0], checks: [...exact[1]], command: `pathaudit run --bundle ${exact[0]}` };
  return { bundle: `checks:${needed.join(',')}`, checks: needed, command: `pathaudit run --check ${needed.join(',')}` };
}

/** One rerun that verifies every item: the checks of all their plans, by name. */
export function retestPlan(items: Array<Pick<BacklogItem, 'verification'>>): VerifyPlan | null {
  if (!items.length) return null;
  const order = CHECK_INFOS.map((c) => c.id);
  const checks = [...new Set(items.flatMap((i) => i.verification.checks))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { bundle: `checks:${checks.join(',')}`, checks, command: `pathaudit run --check ${checks.join(',')}` };
}

/** The backlog score of a finding: severity weight × exposure × confidence, to two decimals. */
export const scoreOf = (severity: Severity, exposure: Exposure, confidence: number): number =>
  Math.round(SEVERITY_WEIGHT[severity] * EXPOSURE_FACTOR[exposure] * confidence * 100) / 100;

/** A finding's backlog score, waived or not (the backlog leaves waived findings out; reports still order them). */
export const findingScore = (doc: RunDocument, f: FindingRecord): number => scoreOf(f.severity, exposureOf(doc, f).exposure, confidenceOf(f));

export function buildBacklog(doc: RunDocument): BacklogItem[] {
  const items = doc.findings
    .filter((f) => !f.waived)
    .map((f): Omit<BacklogItem, 'rank'> => {
      const { exposure, basis } = exposureOf(doc, f);
      const confidence = confidenceOf(f);
      const score = scoreOf(f.severity, exposure, confidence);
      const plan = verifyPlan(f.control);
      return {
        score,
        fingerprint: f.fingerprint,
        control: f.control,
        check: f.check,
        resource: f.resource,
        title: f.title,
        severity: f.severity,
        status: f.status,
        exposure,
        exposureBasis: basis,
        confidence,
        effort: CONTROLS.get(f.control)?.effort ?? 'medium',
        owner: checkInfo(f.check)?.owner ?? 'gateway owner',
        remediation: f.remediation,
        verification: {
          bundle: plan.bundle,
          checks: plan.checks,
          control: f.control,
          resource: f.resource,
          command: plan.command,
          expect: `${f.control} pass on ${f.resource}${f.verification ? ` — ${f.verification}` : ''}`,
        },
        standards: f.standards,
        evidence: f.evidence,
        waiverLapsed: Boolean(f.waiver?.lapsed),
        runId: f.notRetested?.since ?? doc.run.checks.find((c) => c.check === f.check)?.runId ?? doc.run.id,
        notRetested: f.notRetested ? { since: f.notRetested.since, reason: f.notRetested.reason } : null,
      };
    });
  items.sort(
    (a, b) =>
      b.score - a.score || effortRank(a.effort) - effortRank(b.effort) || compareText(a.control, b.control) || compareText(a.resource, b.resource),
  );
  return items.map((item, i) => ({ rank: i + 1, ...item }));
}

/**
 * The backlog of the path as run `asOf` left it (the posture as of that run,
 * see posture.ts), naming the run each check's findings come from: what
 * `GET /v1/backlog` answers.
 */
export function backlogView(store: Store, asOf: RunDocument, thresholds?: Partial<DecisionThresholds>): BacklogView {
  return backlogViewOf(asOf, pathAsOf(store, asOf, thresholds));
}

/** The path as run `asOf` left it: every check's latest completed results up to it, as one document (the run itself when the store has nothing more). */
export function pathAsOf(store: Store, asOf: RunDocument, thresholds?: Partial<DecisionThresholds>): RunDocument {
  return postureDocument(store, { asOf: asOf.run.id, thresholds }) ?? asOf;
}

/** backlogView over a path already read (pathAsOf). */
export function backlogViewOf(asOf: RunDocument, posture: RunDocument): BacklogView {
  const drawsOn = posture.run.checks.map((c) => ({
    check: c.check,
    runId: c.runId ?? asOf.run.id,
    startedAt: c.startedAt ?? asOf.run.startedAt,
    outcome: c.outcome,
    ...(c.reason ? { reason: c.reason } : {}),
  }));
  return { runId: asOf.run.id, drawsOn, items: buildBacklog(posture) };
}
