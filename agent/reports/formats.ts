// The report formats, apart from the renderers: the CLI's option parser and the
// API's schemas need the names without loading every renderer.
export const REPORT_FORMATS = ['text', 'json', 'md', 'html', 'junit', 'ocsf', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(f: string): f is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(f);
}
