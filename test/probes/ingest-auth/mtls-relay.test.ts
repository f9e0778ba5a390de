// The auth matrix against an mTLS-only relay (a client without a certificate
// from its CA is refused in the TLS handshake): the refusal is observed as
// such, a certificate from another CA is the wrong credential, the
// configured one gets through.
import t from 'tap';
import { resultOf } from '../../helpers/lab.js';
import { auditMtlsRelay as audit, requestEvidence } from './relay-helpers.js';


t.test('mTLS-only relay: IA-01 passes on the TLS refusal, IA-02 on the certificate from another CA, IA-03 with the configured certificate', async (t) => {
  const { doc, json, device } = await audit(t, { auth: 'client-cert', certificateInTls: true });
  const ia01 = resultOf(doc, 'IA-01');
  t.equal(ia01.status, 'pass');
  t.match(ia01.detail, /^POST without credentials refused in the TLS handshake: alert 116 certificate_required \(the relay requires a certificate\)/);
  t.match(requestEvidence(doc, 'no-credentials').data.response, { outcome: 'tls', alert: { code: 116, name: 'certificate_required' } }, 'the alert is the evidence');

  const ia02 = resultOf(doc, 'IA-02');
  t.equal(ia02.status, 'pass', ia02.detail);
  t.match(ia02.detail, /wrong client-cert credential \(CN=pathaudit-probe, O=pathaudit untrusted probe issued by CN=pathaudit untrusted probe CA \(made for this run: a CA the relay does not trust\)\) refused/);
  t.match(ia02.detail, /malformed-credential not applicable/);
  t.match(requestEvidence(doc, 'wrong-credential').data.credential, { kind: 'client-cert', variant: 'wrong' });

  t.match(resultOf(doc, 'IA-03'), { status: 'pass', detail: /configured client-cert credential accepted: HTTP 202/ });
  t.equal(resultOf(doc, 'IA-06').status, 'pass', 'bodies judged with the certificate presented');
  t.notOk(doc.results.some((r) => r.status === 'error' && r.control !== 'IA-05'), 'nothing but IA-05 (left to the TLS scan) is error because of mTLS');
  const keyBody = device.keyPem.split('\n').slice(1, 3).join('');
  t.notOk(json.includes(keyBody), 'the private key is not in the run document');
  t.notOk(json.includes('PRIVATE KEY'), 'no private key of any kind in the run document');
});

t.test('a relay that takes any certificate fails IA-02 on the certificate from another CA', async (t) => {
  const { doc } = await audit(t, { auth: 'none' });
  const ia02 = resultOf(doc, 'IA-02');
  t.equal(ia02.status, 'fail');
  t.match(ia02.detail, /^invalid credential accepted: wrong client-cert credential → HTTP 202/);
});
