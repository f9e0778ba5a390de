// What a report shows beside the run itself: the delta (to the baseline unless
// the caller chose one) and the posture history for the chart.
import { getBaseline } from '../evidence/baseline.js';
import { computeDelta, type Delta } from '../evidence/delta.js';
import type { RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';

export interface PosturePoint {
  runId: string;
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
}

const HISTORY_RUNS = 30;

export function pointOf(doc: Pick<RunDocument, 'run' | 'summary'>): PosturePoint {
  const f = doc.summary.findings;
  return { runId: doc.run.id, startedAt: doc.run.startedAt, posture: doc.summary.posture, open: f.critical + f.high + f.medium + f.low + f.info, critical: f.critical, high: f.high };
}

/** Completed runs up to and including this one, oldest first. */
export function historyFrom(store: Store, doc: RunDocument): PosturePoint[] {
  const { items } = store.runs.list({ limit: 500, offset: 0, status: 'completed' });
  const points = items
    .filter((i) => i.summary && i.startedAt <= doc.run.startedAt && i.id !== doc.run.id)
    .slice(0, HISTORY_RUNS - 1)
    .map((i) => pointOf({ run: { id: i.id, startedAt: i.startedAt } as RunDocument['run'], summary: i.summary! }))
    .reverse();
  return [...points, pointOf(doc)];
}

export function resolveDelta(doc: RunDocument, ctx: ReportContext): Delta | null {
  if (ctx.delta !== undefined) return ctx.delta;
  if (!ctx.store) return null;
  const baselineId = getBaseline(ctx.store);
  if (!baselineId || baselineId === doc.run.id) return null;
  const baseline = ctx.store.runs.get(baselineId);
  return baseline ? computeDelta(baseline, doc) : null;
}

export function resolveHistory(doc: RunDocument, ctx: ReportContext): PosturePoint[] {
  if (ctx.history) return ctx.history;
  return ctx.store ? historyFrom(ctx.store, doc) : [pointOf(doc)];
}
