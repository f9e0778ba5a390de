// What a report shows beside the run itself: the path as the run left it (the
// posture as of the run: its own results, plus the latest results of the
// checks it did not re-test), the delta (to the baseline unless the caller
// chose one) and the posture history for the chart.
import { getBaseline } from '../evidence/baseline.js';
import { computeDelta, type Delta } from '../evidence/delta.js';
import { postureDocument } from '../evidence/posture.js';
import type { DecisionThresholds } from '../evidence/summary.js';
import type { RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';

export interface PosturePoint {
  runId: string;
  /** The bundle the run ran: the chart draws one series per bundle (a larger bundle finds more, which is no regression). */
  bundle: string;
  startedAt: string;
  posture: RunDocument['summary']['posture'];
  /** Open (unwaived) findings. */
  open: number;
  critical: number;
  high: number;
}

export interface ReportContext {
  store?: Store;
  /** The delta to show; undefined → to the baseline when a store is given; null → none. */
  delta?: Delta | null;
  /** Posture over time, oldest first; undefined → read from the store (or this run alone). */
  history?: PosturePoint[];
  /**
   * The path as this run left it, which the leadership summary and the backlog
   * are drawn from; undefined → the posture as of this run, from the store;
   * null → this run alone.
   */
  path?: RunDocument | null;
  /** The config's decision thresholds (default: DEFAULT_THRESHOLDS). */
  thresholds?: Partial<DecisionThresholds>;
}

const HISTORY_RUNS = 30;

export function pointOf(doc: Pick<RunDocument, 'run' | 'summary'>): PosturePoint {
  const f = doc.summary.findings;
  return { runId: doc.run.id, bundle: doc.run.bundle, startedAt: doc.run.startedAt, posture: doc.summary.posture, open: f.critical + f.high + f.medium + f.low + f.info, critical: f.critical, high: f.high };
}

/** Completed runs up to and including this one, oldest first. */
export function historyFrom(store: Store, doc: RunDocument): PosturePoint[] {
  const { items } = store.runs.list({ limit: 500, offset: 0, status: 'completed' });
  const points = items
    .filter((i) => i.summary && i.startedAt <= doc.run.startedAt && i.id !== doc.run.id)
    .slice(0, HISTORY_RUNS - 1)
    .map((i) => pointOf({ run: { id: i.id, bundle: i.bundle, startedAt: i.startedAt } as RunDocument['run'], summary: i.summary! }))
    .reverse();
  return [...points, pointOf(doc)];
}

export function resolveDelta(doc: RunDocument, ctx: ReportContext): Delta | null {
  if (ctx.delta !== undefined) return ctx.delta;
  if (!ctx.store) return null;
  const baselineId = getBaseline(ctx.store);
  if (!baselineId || baselineId === doc.run.id) return null;
  const baseline = ctx.store.runs.get(baselineId);
  return baseline ? computeDelta(baseline, doc, { thresholds: ctx.thresholds }) : null;
}

/**
 * What the leadership summary and the backlog of a report about `doc` are
 * drawn from: the posture as of the run when it draws on other runs too (the
 * run re-tested only some checks, or a check of it could not observe), else
 * the run itself.
 */
export function resolvePath(doc: RunDocument, ctx: ReportContext): RunDocument {
  const path = ctx.path !== undefined ? ctx.path : ctx.store && doc.run.hash ? postureDocument(ctx.store, { asOf: doc.run.id, thresholds: ctx.thresholds }) : null;
  if (!path) return doc;
  const drawsOnOthers = path.run.checks.some((c) => c.runId !== doc.run.id) || path.findings.some((f) => f.notRetested);
  return drawsOnOthers ? path : doc;
}

/** The runs a path view draws on, when it is not the run alone: "broker-cert: run …". */
export function pathSources(doc: RunDocument, path: RunDocument): string[] {
  if (path === doc) return [];
  return path.run.checks.map((c) => `${c.check}: ${c.runId === doc.run.id ? 'this run' : `run ${c.runId}`}${c.outcome === 'completed' ? '' : ` (${c.outcome})`}${c.reason ? ` — ${c.reason}` : ''}`);
}

export function resolveHistory(doc: RunDocument, ctx: ReportContext): PosturePoint[] {
  if (ctx.history) return ctx.history;
  return ctx.store ? historyFrom(ctx.store, doc) : [pointOf(doc)];
}
