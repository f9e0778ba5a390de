// What the fast tier covers: every control of every check in the catalogue
// is judged pass, fail, skipped and error by some recorded case — or, where
// evaluate has no path to a status, by the runner's own path to it (a check
// not configured: every control skipped; a check whose collect failed or ran
// out of time: every control error), listed below with why.
import t from 'tap';
import { enforceContract, resultsForAll } from '../../agent/runner/execute.js';
import { CHECK_INFOS, CONTROLS } from '../../probes/catalogue.js';
import type { Status } from '../../probes/types.js';
import { readCases } from './cases.js';

const PATHS = ['pass', 'fail', 'skipped', 'error'] as const satisfies readonly Status[];

/** Statuses evaluate never gives a control: the runner's paths alone do. */
const RUNNER_ONLY: Record<string, { statuses: Status[]; why: string }> = {
  'BT-02': { statuses: ['skipped'], why: 'a listener that refuses connections passes (no anonymous access there); any other unreachable one is an error' },
  'BT-05': { statuses: ['skipped'], why: 'the declared listeners always settle it: TLS spoken (pass), none declared or refused (fail), none observed (error)' },
  'IA-01': { statuses: ['skipped'], why: 'the request without credentials needs no configured credential: it is always sent' },
  'IA-04': { statuses: ['skipped'], why: 'plain http is judged from every request, https from the plaintext request always sent' },
  'IA-06': { statuses: ['skipped'], why: 'the body requests are always sent; a relay that stops them at authentication is an error, not a prerequisite' },
  'IA-07': { statuses: ['skipped'], why: 'every answered request is read for disclosure; none answered is an error' },
};

const cases = readCases();
const judged = new Map<string, Map<Status, string[]>>();
for (const c of cases)
  for (const e of c.expected) {
    const byStatus = judged.get(e.control) ?? new Map<Status, string[]>();
    byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), `${c.check}/${c.name}`]);
    judged.set(e.control, byStatus);
  }

t.test('every check of the catalogue has recorded cases, and every case a check of the catalogue', async (t) => {
  const withCases = new Set(cases.map((c) => c.check));
  for (const info of CHECK_INFOS) t.ok(withCases.has(info.id), `${info.id} has recorded cases`);
  for (const id of withCases) t.ok(CHECK_INFOS.some((i) => i.id === id), `${id} is a check of the catalogue`);
});

t.test("the runner's paths give every control of every check skipped (not configured) and error (collect failed)", async (t) => {
  for (const info of CHECK_INFOS) {
    const reason = info.notConfigured({});
    t.ok(reason, `${info.id} says why an empty config does not configure it`);
    const skipped = enforceContract(info, resultsForAll(info, 'skipped', `not configured: ${reason}`), new Set());
    const failed = enforceContract(info, resultsForAll(info, 'error', 'check exceeded its 10 s time budget'), new Set());
    for (const m of info.controls) {
      t.same(skipped.filter((r) => r.control === m.id).map((r) => r.status), ['skipped'], `${m.id} skipped when ${info.id} is not configured`);
      t.same(failed.filter((r) => r.control === m.id).map((r) => r.status), ['error'], `${m.id} error when ${info.id}'s collect failed`);
    }
  }
});

t.test('every control is judged pass, fail, skipped and error by a recorded case, or the status is the runner\'s alone', async (t) => {
  for (const [control, only] of Object.entries(RUNNER_ONLY)) t.ok(CONTROLS.has(control), `${control} (runner only: ${only.why}) is a control of the catalogue`);
  for (const info of CHECK_INFOS)
    for (const m of info.controls)
      for (const status of PATHS) {
        const seen = judged.get(m.id)?.get(status);
        const only = RUNNER_ONLY[m.id];
        if (only?.statuses.includes(status))
          t.notOk(seen, `${m.id} ${status}: the runner's path alone (${only.why})${seen ? `; but ${seen.join(', ')} judges it so: drop it from RUNNER_ONLY` : ''}`);
        else t.ok(seen, `${m.id} ${status}: ${seen ? seen.join(', ') : 'no recorded case judges it so (add one to test/fast/record.ts)'}`);
      }
});
