// The backlog as CSV (RFC 4180, CRLF line ends), for a spreadsheet or a ticket import.
// Columns are only ever added at the end, so an import mapping keeps working.
import { buildBacklog } from '../evidence/backlog.js';
import type { RunDocument } from '../runner/document.js';
import { csvField } from './escape.js';

export const CSV_COLUMNS = [
  'rank',
  'score',
  'severity',
  'control',
  'title',
  'resource',
  'exposure',
  'confidence',
  'effort',
  'owner',
  'remediation',
  'verify_bundle',
  'verify_expect',
  'standards',
  'fingerprint',
  'waiver_lapsed',
  'verify_command',
  'observed_in_run',
  'not_retested_since',
] as const;

/** The backlog of `path` (the posture as the run left it, or the run alone). */
export function renderCsv(path: RunDocument): string {
  const rows = buildBacklog(path).map((b) => [
    b.rank,
    b.score,
    b.severity,
    b.control,
    b.title,
    b.resource,
    b.exposure,
    b.confidence,
    b.effort,
    b.owner,
    b.remediation,
    b.verification.bundle,
    b.verification.expect,
    b.standards.join('; '),
    b.fingerprint,
    b.waiverLapsed ? 'yes' : 'no',
    b.verification.command,
    b.runId,
    b.notRetested?.since ?? '',
  ]);
  return [CSV_COLUMNS as readonly (string | number)[], ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
