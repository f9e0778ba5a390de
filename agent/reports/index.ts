// Reports from one run (and optionally its delta): one entry point for the CLI
// (`run --format`, `report`), the API (`GET /v1/runs/:id/report?format=`) and
// evidence bundles.
import type { RunDocument } from '../runner/document.js';
import { resolveDelta, resolveHistory, resolvePath, type ReportContext } from './context.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './md.js';
import { renderOcsf } from './ocsf.js';
import { renderText } from './text.js';

export type { PosturePoint, ReportContext } from './context.js';

import type { ReportFormat } from './formats.js';
export { isReportFormat, REPORT_FORMATS, type ReportFormat } from './formats.js';

export interface RenderedReport {
  body: string;
  contentType: string;
  extension: string;
}

export function renderReport(doc: RunDocument, format: ReportFormat, ctx: ReportContext = {}): RenderedReport {
  switch (format) {
    case 'text':
      return { body: renderText(doc, resolveDelta(doc, ctx), resolvePath(doc, ctx)), contentType: 'text/plain; charset=utf-8', extension: 'txt' };
    case 'json':
      return { body: renderJson(doc), contentType: 'application/json', extension: 'json' };
    case 'md':
      return { body: renderMarkdown(doc, resolveDelta(doc, ctx), resolvePath(doc, ctx)), contentType: 'text/markdown; charset=utf-8', extension: 'md' };
    case 'html':
      return { body: renderHtml(doc, resolveDelta(doc, ctx), resolveHistory(doc, ctx), resolvePath(doc, ctx)), contentType: 'text/html; charset=utf-8', extension: 'html' };
    case 'junit':
      return { body: renderJunit(doc), contentType: 'application/xml', extension: 'junit.xml' };
    case 'ocsf':
      return { body: renderOcsf(doc), contentType: 'application/json', extension: 'ocsf.json' };
    case 'csv':
      return { body: renderCsv(resolvePath(doc, ctx)), contentType: 'text/csv; charset=utf-8', extension: 'csv' };
    default: {
      const never: never = format;
      throw new Error(`unknown report format ${String(never)}`);
    }
  }
}
