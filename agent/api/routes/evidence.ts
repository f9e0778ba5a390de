// Routes over the evidence lifecycle: backlog, baseline, delta, snapshots.
// The judgement lives in agent/evidence/*; these only pick the runs.
import type { FastifyInstance } from 'fastify';
import { backlogView } from '../../evidence/backlog.js';
import { getBaseline, markBaseline } from '../../evidence/baseline.js';
import { computeDelta } from '../../evidence/delta.js';
import { getSnapshot } from '../../evidence/snapshot.js';
import { thresholdsFrom } from '../../evidence/summary.js';
import type { RunDocument } from '../../runner/document.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../http-errors.js';
import { documentReply, errors, type ContractSchemas } from '../schema-helpers.js';
import { BacklogQuery, BaselineBody, BaselineReply, DeltaQuery, MonthParams } from '../schemas.generated.js';
import { findRun, finishedRun, latestFinished } from './runs.js';

function listItemOf(doc: RunDocument) {
  const r = doc.run;
  return { id: r.id, bundle: r.bundle, trigger: r.trigger, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, summary: doc.summary, hash: r.hash };
}

export function evidenceRoutes(app: FastifyInstance, ctx: ApiContext, documents: ContractSchemas | null): void {
  app.get<{ Querystring: BacklogQuery }>(
    '/v1/backlog',
    {
      schema: {
        summary: 'Open findings of the posture (the latest result of every check) ranked for action; ?run= gives the posture as that run left it',
        tags: ['evidence'],
        querystring: BacklogQuery,
        response: { ...documentReply(documents?.BacklogView), ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) => {
      const asOf = req.query.run ? finishedRun(ctx, req.query.run) : latestFinished(ctx);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(backlogView(ctx.store, asOf, thresholdsFrom(ctx.config().config))));
    },
  );

  app.get(
    '/v1/baseline',
    { schema: { summary: 'The run later runs are compared against', tags: ['evidence'], response: { 200: BaselineReply, ...errors(401) } } },
    () => {
      const id = getBaseline(ctx.store);
      const doc = id ? ctx.store.runs.get(id) : null;
      return { runId: id, run: doc ? listItemOf(doc) : null };
    },
  );

  app.put<{ Body: BaselineBody }>(
    '/v1/baseline',
    {
      schema: { summary: 'Mark a completed run as the baseline', tags: ['evidence'], body: BaselineBody, response: { 200: BaselineReply, ...errors(400, 401, 404, 410) } },
    },
    (req) => {
      const doc = findRun(ctx, req.body.runId);
      markBaseline(ctx.store, doc);
      ctx.posture.invalidate();
      return { runId: doc.run.id, run: listItemOf(doc) };
    },
  );

  app.get<{ Querystring: DeltaQuery }>(
    '/v1/delta',
    {
      schema: {
        summary: 'Per-control and per-finding changes between two runs (default: baseline → latest)',
        tags: ['evidence'],
        querystring: DeltaQuery,
        response: { ...documentReply(documents?.Delta), ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) => {
      const from = finishedRun(ctx, req.query.from);
      const to = finishedRun(ctx, req.query.to);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(computeDelta(from, to, { thresholds: thresholdsFrom(ctx.config().config) })));
    },
  );

  app.get<{ Params: MonthParams }>(
    '/v1/snapshots/:month',
    {
      schema: {
        summary: 'The monthly retainer snapshot (taken by the snapshot schedule or `pathaudit snapshot`)',
        tags: ['evidence'],
        params: MonthParams,
        response: { ...documentReply(documents?.Snapshot), ...errors(400, 401, 404) },
      },
    },
    async (req, reply) => {
      const snap = getSnapshot(ctx.store, req.params.month);
      if (!snap) throw notFound(`no snapshot for ${req.params.month}`);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(snap));
    },
  );
}
