// JUnit XML for CI: one <testsuite> per check, one <testcase> per control
// result. An open fail/warn is a <failure>, a probe error an <error>, a
// skipped control or a waived finding <skipped> (with the reason), so a CI
// gate fails exactly on open findings and unobservable controls.
import type { RunDocument } from '../runner/document.js';
import { escapeXml as x } from './escape.js';

export function renderJunit(doc: RunDocument): string {
  const { run } = doc;
  const findingOf = new Map(doc.findings.map((f) => [`${f.control}\u0000${f.resource}`, f]));
  const checks = [...new Set(doc.results.map((r) => r.check))];
  const suites: string[] = [];
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const check of checks) {
    const results = doc.results.filter((r) => r.check === check);
    const outcome = run.checks.find((c) => c.check === check);
    const seconds = ((outcome?.durationMs ?? 0) / 1000).toFixed(3);
    const counts = { tests: results.length, failures: 0, errors: 0, skipped: 0 };
    const cases = results.map((r) => {
      const f = findingOf.get(`${r.control}\u0000${r.resource}`);
      const open = `<testcase classname="pathaudit.${x(check)}.${x(r.control)}" name="${x(`${r.control} ${r.resource}`)}" time="0">`;
      const evidence = r.evidence.length ? `\nevidence: ${r.evidence.join(', ')}` : '';
      let body: string;
      if ((r.status === 'fail' || r.status === 'warn') && f?.waived) {
        counts.skipped += 1;
        body = `<skipped message="${x(`waived until ${f.waiver!.expires}: ${f.waiver!.reason}`)}"/>`;
      } else if (r.status === 'fail' || r.status === 'warn') {
        counts.failures += 1;
        body = `<failure message="${x(r.detail)}" type="${x(`${r.status}:${r.severity}`)}">${x(`${r.detail}${evidence}${f ? `\nremediation: ${f.remediation}` : ''}`)}</failure>`;
      } else if (r.status === 'error') {
        counts.errors += 1;
        body = `<error message="${x(r.detail)}" type="error">${x(`${r.detail}${evidence}`)}</error>`;
      } else if (r.status === 'skipped') {
        counts.skipped += 1;
        body = `<skipped message="${x(r.detail)}"/>`;
      } else {
        body = `<system-out>${x(`${r.detail}${evidence}`)}</system-out>`;
      }
      return `    ${open}${body}</testcase>`;
    });
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
    suites.push(
      `  <testsuite name="${x(check)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds}" timestamp="${x(run.startedAt.replace(/Z$/, ''))}" hostname="${x(run.gatewayId)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const secs = run.finishedAt ? ((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(3) : '0';
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${x(`pathaudit ${run.bundle} ${run.id}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${secs}">
${suites.join('\n')}
</testsuites>
`;
}
