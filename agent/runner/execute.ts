// Runs one bundle: each check concurrently under its own time budget, then
// pure evaluation, findings, waivers and the summary. Persistence is the
// store's job (store/runs.ts); this module does no database I/O.
//
//   runSteps = [resolve checks, collect (concurrent, budgeted), evaluate, findings + waivers, summarize]
import { setMaxListeners } from 'node:events';
import { sha256Of } from '../evidence/hash.js';
import { loadCheck } from '../../probes/catalogue.js';
import type { Check, ControlMeta, ControlResult, Evidence, RunWindow } from '../../probes/types.js';
import type { LoadedConfig } from '../config/load.js';
import { reasonOf } from '../errors.js';
import { findingsFrom } from '../evidence/findings.js';
import { summarize, thresholdsFrom } from '../evidence/summary.js';
import { applyWaivers } from '../evidence/waivers.js';
import type { Log } from '../log.js';
import type { CheckOutcome, EvidenceRecord, ResultRecord, RunDocument, Trigger } from './document.js';
import { newRunId, startedRunHeader } from './header.js';
import { readHostFacts } from './host.js';

export const DEFAULT_CHECK_TIMEOUT_S = 10;
export const DEFAULT_STEP_TIMEOUT_MS = 3000;

export interface ExecuteOptions {
  loaded: LoadedConfig;
  bundle: string;
  checks: string[];
  trigger: Trigger;
  log: Log;
  runId?: string;
  now?: () => Date;
  /**
   * Windows of the store's other runs (RunRepository.windowsSince), for checks
   * that must tell the probe's own traffic in a log from the devices'. The
   * current run's window is added here, open-ended, whatever the caller passes.
   */
  runWindows?: readonly RunWindow[];
  /** Called as checks start and finish, for progress display. */
  onProgress?: (event: { check: string; phase: 'start' | 'step' | 'done'; detail?: string; outcome?: CheckOutcome }) => void;
}

export { sha256Of } from '../evidence/hash.js';

class BudgetExceeded extends Error {
  constructor(seconds: number) {
    super(`check exceeded its ${seconds} s time budget`);
  }
}

interface Collected {
  check: Check;
  outcome: CheckOutcome;
  evidence: Evidence[];
}

/**
 * The controller whose signal a check's collect gets. Every socket, handshake
 * and session of the check listens for its abort (the TLS scan alone keeps 8
 * exchanges open; broker-transport probes its listeners side by side):
 * dozens at once by design, not a leak, so Node's warning at 11 is raised.
 */
export function checkController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(64, controller.signal);
  return controller;
}

async function collectWithBudget(check: Check, opts: ExecuteOptions, budgetS: number, stepMs: number, runWindows: readonly RunWindow[]): Promise<Collected> {
  const { config } = opts.loaded;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const reason = check.notConfigured(config);
  if (reason) return { check, evidence: [], outcome: { check: check.id, outcome: 'skipped', durationMs: 0, reason } };

  // A check that observes for a window (telemetry) gets that window on top of the budget.
  const totalS = budgetS + (check.extraBudgetS?.(config) ?? 0);
  const controller = checkController();
  const log = opts.log.child({ check: check.id });
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new BudgetExceeded(totalS);
      controller.abort(err);
      reject(err);
    }, totalS * 1000);
  });
  try {
    const evidence = await Promise.race([
      check.collect({
        config,
        secrets: opts.loaded.secrets,
        signal: controller.signal,
        budgetMs: totalS * 1000,
        stepTimeoutMs: stepMs,
        log,
        progress: (step) => opts.onProgress?.({ check: check.id, phase: 'step', detail: step }),
        runWindows,
      }),
      budget,
    ]);
    return { check, evidence, outcome: { check: check.id, outcome: 'completed', durationMs: elapsed() } };
  } catch (err) {
    const timeout = err instanceof BudgetExceeded;
    log.warn({ err: reasonOf(err) }, timeout ? 'check overran its budget' : 'check failed');
    return { check, evidence: [], outcome: { check: check.id, outcome: timeout ? 'timeout' : 'error', durationMs: elapsed(), reason: reasonOf(err) } };
  } finally {
    clearTimeout(timer);
    // Whatever happened, tell the check's sockets to close.
    if (!controller.signal.aborted) controller.abort(new Error('check finished'));
  }
}

/**
 * Longest result detail kept. Details quote what the peer sent (certificate
 * subjects, SAN lists, error strings), so a hostile server could otherwise
 * put kilobytes into every report line; the evidence keeps the full data.
 */
export const MAX_DETAIL_CHARS = 1000;

/** Cuts the middle, not the end: a detail's verdict often comes last ("…: RSA 1024 bits (< 2048)"). */
function boundDetail(detail: string): string {
  if (detail.length <= MAX_DETAIL_CHARS) return detail;
  const head = Math.floor(MAX_DETAIL_CHARS * 0.7);
  const tail = MAX_DETAIL_CHARS - head;
  return `${detail.slice(0, head)} … [${detail.length - MAX_DETAIL_CHARS} characters cut; see the evidence] … ${detail.slice(-tail)}`;
}

/** Every control of a check with one status: a check not configured (skipped) or whose collect failed (error). */
export function resultsForAll(check: Pick<Check, 'id' | 'controls'>, status: 'skipped' | 'error', detail: string): ControlResult[] {
  return check.controls.map((c) => ({ control: c.id, resource: check.id, status, detail, evidence: [] }));
}

/**
 * Guards the contract on what evaluate() returned: every control gets at least
 * one result, unknown controls are dropped, and nothing is `pass`/`fail`/`warn`
 * without evidence (such a result becomes `error`: a judgement without an
 * observation is a defect, not a verdict).
 */
export function enforceContract(check: Pick<Check, 'id' | 'controls'>, results: ControlResult[], evidenceKeys: ReadonlySet<string>): ControlResult[] {
  const known = new Set(check.controls.map((c) => c.id));
  const out: ControlResult[] = [];
  for (const r of results) {
    if (!known.has(r.control)) continue;
    const refs = r.evidence.filter((k) => evidenceKeys.has(k));
    if ((r.status === 'pass' || r.status === 'fail' || r.status === 'warn') && refs.length === 0) {
      out.push({ ...r, status: 'error', detail: `internal: ${r.status} without evidence (${r.detail})`, evidence: [] });
    } else out.push({ ...r, evidence: refs });
  }
  for (const c of check.controls) {
    if (!out.some((r) => r.control === c.id)) out.push({ control: c.id, resource: check.id, status: 'error', detail: 'the check produced no result for this control', evidence: [] });
  }
  return out;
}

export async function executeRun(opts: ExecuteOptions): Promise<RunDocument> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const { config, secrets } = opts.loaded;
  const runId = opts.runId ?? newRunId(startedAt);
  const budgetS = config.runner?.check_timeout_s ?? DEFAULT_CHECK_TIMEOUT_S;
  const stepMs = config.runner?.step_timeout_ms ?? DEFAULT_STEP_TIMEOUT_MS;
  const log = opts.log.child({ runId });
  log.info({ bundle: opts.bundle, checks: opts.checks }, 'run started');

  // This run's own traffic is left out of logs by its window. The lifecycle
  // hands over the store's windows with this run already among them,
  // open-ended; a caller without a store hands over earlier runs only. An
  // open-ended window that began before now covers this run whole, so one
  // is added only when none does (a run counted once in the evidence).
  const given = opts.runWindows ?? [];
  const covered = given.some((w) => w.finishedAt === null && w.startedAt <= startedAt.toISOString());
  const runWindows: RunWindow[] = covered ? [...given] : [...given, { startedAt: startedAt.toISOString(), finishedAt: null }];

  const checks = await Promise.all(opts.checks.map(loadCheck));

  // Which box the evidence comes from, read beside the checks.
  const hostFacts = readHostFacts();
  const collected = await Promise.all(
    checks.map(async (check) => {
      opts.onProgress?.({ check: check.id, phase: 'start' });
      const c = await collectWithBudget(check, opts, budgetS, stepMs, runWindows);
      opts.onProgress?.({ check: check.id, phase: 'done', outcome: c.outcome });
      return c;
    }),
  );

  // Scrub before anything is hashed or stored: a secret must never reach evidence.
  const scrubbed = (ev: Evidence): Evidence => JSON.parse(secrets.scrub(JSON.stringify(ev))) as Evidence;
  const runEvidence = collected.flatMap((c) => c.evidence.map(scrubbed));
  const evaluatedAt = now();

  const controls = new Map<string, ControlMeta>();
  const results: ResultRecord[] = [];
  const remediations = new Map<string, string>();
  const evidence: EvidenceRecord[] = [];
  for (const { check, outcome, evidence: raw } of collected) {
    for (const c of check.controls) controls.set(c.id, c);
    const own = raw.map(scrubbed);
    let judged: ControlResult[];
    if (outcome.outcome === 'skipped') judged = resultsForAll(check, 'skipped', `not configured: ${outcome.reason}`);
    else if (outcome.outcome !== 'completed') judged = resultsForAll(check, 'error', outcome.reason ?? 'check failed');
    else {
      try {
        judged = check.evaluate({ config, evidence: own, runEvidence, now: evaluatedAt });
      } catch (err) {
        outcome.outcome = 'error';
        outcome.reason = `evaluation failed: ${reasonOf(err)}`;
        judged = resultsForAll(check, 'error', outcome.reason);
      }
    }
    const keys = new Set(own.map((e) => e.key));
    for (const r of enforceContract(check, judged, keys)) {
      results.push({
        control: r.control,
        check: check.id,
        resource: r.resource,
        status: r.status,
        severity: r.severity ?? controls.get(r.control)!.severity,
        detail: boundDetail(secrets.scrub(r.detail)),
        evidence: r.evidence.map((k) => `${check.id}:${k}`),
        // "Gone" is an observation: only a skipped result backed by evidence may claim it.
        ...(r.gone && r.status === 'skipped' && r.evidence.length ? { gone: true as const } : {}),
      });
      if (r.remediation && (r.status === 'fail' || r.status === 'warn')) remediations.set(`${r.control}\u0000${r.resource}`, boundDetail(secrets.scrub(r.remediation)));
    }
    for (const e of own) evidence.push({ id: `${check.id}:${e.key}`, check: check.id, kind: e.kind, resource: e.resource, sha256: sha256Of(e.data), data: e.data });
  }

  const findings = applyWaivers(findingsFrom(results, controls, remediations), config.waivers, evaluatedAt);
  const summary = summarize(findings, results, thresholdsFrom(config));
  const everyCheckFailed = collected.length > 0 && collected.every((c) => c.outcome.outcome === 'error' || c.outcome.outcome === 'timeout');
  const finishedAt = now();
  log.info({ status: everyCheckFailed ? 'failed' : 'completed', headline: summary.headline }, 'run finished');
  return {
    run: {
      ...startedRunHeader({ runId, bundle: opts.bundle, trigger: opts.trigger, loaded: opts.loaded, startedAt }),
      finishedAt: finishedAt.toISOString(),
      status: everyCheckFailed ? 'failed' : 'completed',
      checks: collected.map((c) => c.outcome),
      host: await hostFacts,
    },
    summary,
    results,
    findings,
    evidence,
  };
}
