import type { FastifyInstance } from 'fastify';
import { getBaseline } from '../../evidence/baseline.js';
import { conflict, gone, notFound } from '../http-errors.js';
import type { ReportFormat } from '../../reports/formats.js';
import type { RunDocument } from '../../runner/document.js';
import type { ApiContext } from '../context.js';
import { documentReply, errors, type ContractSchemas } from '../schema-helpers.js';
import { ReportQuery, RunAccepted, RunIdParams, RunListQuery, RunPage, StartRunBody } from '../schemas.generated.js';

/** The latest run that finished (completed or failed): what "latest" means for runs, backlog and delta. */
export function latestFinished(ctx: ApiContext): RunDocument {
  const pick = ctx.store.runs.latest({ finished: true });
  if (!pick) throw notFound('no finished run in the store yet: start one with POST /v1/runs');
  return pick;
}

/** The run a reference names: a run id, `latest` or `baseline`. */
export function findRun(ctx: ApiContext, ref: string): RunDocument {
  if (ref === 'latest') return latestFinished(ctx);
  const id = ref === 'baseline' ? getBaseline(ctx.store) : ref;
  if (!id) throw notFound('no baseline set: PUT /v1/baseline {"runId": …} (or run the audit-baseline bundle once)');
  const doc = ctx.store.runs.get(id);
  if (!doc && ctx.store.runs.isPruned(id)) throw gone(`run ${id} was pruned by retention (store.retention_days): only its hash remains, in the chain`);
  if (!doc) throw notFound(`run ${id} is not in the store`);
  return doc;
}

export function finishedRun(ctx: ApiContext, ref: string): RunDocument {
  const doc = findRun(ctx, ref);
  const { id } = doc.run;
  if (doc.run.status === 'running') throw conflict(`run ${id} is still running: poll GET /v1/runs/${id} until it ends`);
  return doc;
}

export function runRoutes(app: FastifyInstance, ctx: ApiContext, documents: ContractSchemas | null): void {
  app.get<{ Querystring: RunListQuery }>(
    '/v1/runs',
    { schema: { summary: 'Runs, newest first', tags: ['runs'], querystring: RunListQuery, response: { 200: RunPage, ...errors(400, 401) } } },
    (req) => {
      const { limit, offset, bundle, status } = req.query;
      const page = ctx.store.runs.list({ limit, offset, bundle, status });
      return { total: page.total, limit, offset, items: page.items };
    },
  );

  app.post<{ Body: StartRunBody }>(
    '/v1/runs',
    {
      schema: {
        summary: 'Start a run (one at a time: 409 with the running id while another is in flight)',
        tags: ['runs'],
        body: StartRunBody,
        response: { 202: RunAccepted, ...errors(400, 401, 409, 503) },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const started = ctx.runs.start({ bundle: body.bundle ?? null, checks: body.checks?.join(',') ?? null, trigger: 'api' });
      const location = `/v1/runs/${started.id}`;
      return reply.code(202).header('location', location).send({ id: started.id, bundle: started.bundle, status: 'running', startedAt: started.startedAt, location });
    },
  );

  app.get<{ Params: RunIdParams }>(
    '/v1/runs/:id',
    { schema: { summary: 'One run document (docs/schema/run-document.schema.json)', tags: ['runs'], params: RunIdParams, response: { ...documentReply(documents?.RunDocument), ...errors(400, 401, 404, 410) } } },
    async (req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(findRun(ctx, req.params.id))),
  );

  app.get<{ Params: RunIdParams }>(
    '/v1/runs/:id/bundle',
    {
      schema: {
        summary: 'The signed evidence bundle of a finished run (.tar.gz)',
        tags: ['runs'],
        params: RunIdParams,
        produces: ['application/gzip'],
        response: { 200: { type: 'string', format: 'binary' }, ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) => {
      const doc = finishedRun(ctx, req.params.id);
      if (!doc.run.hash) throw conflict(`run ${doc.run.id} is ${doc.run.status}: it never finished, so it has no hash in the chain and no signed bundle`);
      const loaded = ctx.config();
      // The export refuses to sign anything that contains a known secret value.
      // (tar, signing and the report renderers load on the first bundle request.)
      const [{ exportBundle }, { keyFileOf }] = await Promise.all([import('../../evidence/bundle.js'), import('../../evidence/signing.js')]);
      const { thresholdsFrom } = await import('../../evidence/summary.js');
      const data = await exportBundle(ctx.store, doc.run.id, keyFileOf(loaded), { secrets: loaded.secrets, thresholds: thresholdsFrom(loaded.config) });
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${doc.run.id}.tar.gz"`)
        .send(data);
    },
  );

  app.get<{ Params: RunIdParams; Querystring: ReportQuery }>(
    '/v1/runs/:id/report',
    {
      schema: {
        summary: 'The report of a finished run in one format',
        tags: ['runs'],
        params: RunIdParams,
        querystring: ReportQuery,
        response: { 200: { type: 'string' }, ...errors(400, 401, 404, 409) },
      },
    },
    async (req, reply) => {
      const doc = finishedRun(ctx, req.params.id);
      const [{ renderReport }, { thresholdsFrom }] = await Promise.all([import('../../reports/index.js'), import('../../evidence/summary.js')]);
      const report = renderReport(doc, req.query.format as ReportFormat, { store: ctx.store, thresholds: thresholdsFrom(ctx.config().config) });
      return reply
        .type(report.contentType)
        .header('content-disposition', `inline; filename="${doc.run.id}.${report.extension}"`)
        .send(report.body);
    },
  );
}
