// ingest-auth judgement is pure: stored evidence re-evaluates to the same
// verdicts, and single observations edited in it move exactly one control.
import t from 'tap';
import { code as ingestAuth } from '../../../probes/ingest-auth/index.js';
import type { Evidence } from '../../../probes/types.js';
import { load } from '../../helpers/lab.js';
import { auditIngest, relayPki, startRelay } from './relay-helpers.js';

t.test('stored evidence re-evaluates to the same results; edited plaintext answers move IA-04 only as documented', async (t) => {
  const pki = await relayPki();
  const { relay, token } = await startRelay(t, { profile: 'hardened', pki });
  const { doc, dir } = await auditIngest(t, relay.url, pki, {}, { 'ingest-token': token });
  const { config } = load(`${dir}/pathaudit.yaml`);
  const evidence: Evidence[] = doc.evidence.map((e) => ({ key: e.id.slice('ingest-auth:'.length), kind: e.kind, resource: e.resource, data: structuredClone(e.data) }));
  const now = new Date(doc.run.finishedAt!);
  const again = ingestAuth.evaluate({ config, evidence, runEvidence: evidence, now });
  t.same(
    again.map((r) => [r.control, r.status, r.detail]),
    doc.results.map((r) => [r.control, r.status, r.detail]),
    'same verdicts and details from the stored evidence',
  );

  const withPlaintext = (response: unknown) =>
    ingestAuth.evaluate({
      config,
      now,
      runEvidence: [],
      evidence: evidence.map((e) => ((e.data as { case?: string }).case === 'plaintext' ? { ...e, data: { ...(e.data as object), response } } : e)),
    }).find((r) => r.control === 'IA-04')!;
  const answer = (status: number, headers: Record<string, string> = {}) => ({ outcome: 'response', status, statusMessage: '', httpVersion: '1.1', headers, bodyBytes: 0, bodyTruncated: false, bodySha256: '', bodyExcerpt: '', durationMs: 1 });
  t.equal(withPlaintext(answer(400)).status, 'pass', "nginx's 400 to plain HTTP on a TLS port is not service");
  t.equal(withPlaintext(answer(308, { location: 'https://gateway.local/v1/ingest' })).status, 'pass', 'a redirect to https is not service');
  t.equal(withPlaintext(answer(302, { location: 'http://elsewhere/' })).status, 'fail', 'a redirect to plain http is');
  t.equal(withPlaintext(answer(401)).status, 'fail', 'an auth challenge over plaintext is service');
  t.equal(withPlaintext({ outcome: 'timeout', code: 'ETIMEDOUT', reason: 'no complete HTTP response within 3000 ms', durationMs: 3000 }).status, 'error', 'a timeout is not an observation');

  const later = ingestAuth.evaluate({ config, evidence, runEvidence: evidence, now: new Date(now.getTime() + 89 * 86_400_000) }).find((r) => r.control === 'IA-05')!;
  t.equal(later.status, 'pass', 'judged 89 days later (90-day lab cert), IA-05 is unchanged: the certificate is broker-cert\'s to judge');
  t.match(later.detail, /served certificate judged by broker-cert/);
});
