// ingest-auth judgement: a pure function of the evidence and the config.
import { indexEvidence, type EvidenceSet } from '../evidence.js';
import { describeHttp, is2xx, stackTraceIn, versionBanners, type HttpObservation, type HttpResponseSummary } from '../http.js';
import { CLIENT_CERTIFICATE_ALERTS, UNTRUSTED_CERTIFICATE_ALERTS } from '../tls-alert.js';
import { judgeCipherSuites, judgeProtocolVersions } from '../tls/judge.js';
import type { ControlResult, EvaluateInput, Evidence, Severity } from '../types.js';
import { ingestResource, planEvidence, requestEvidence, tcpEvidence, tlsScanEvidence, type PlanEvidence, type RequestCase, type RequestEvidence } from './evidence.js';

const SEVERITY_ORDER: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const worst = (list: Severity[]): Severity => list.reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), 'info');

/** Statuses that mean "refused by authentication" (RFC 9110 §15.5.2, §15.5.4). */
const isAuthRefusal = (o: HttpObservation | undefined) => o?.outcome === 'response' && (o.status === 401 || o.status === 403);
const responded = (o: HttpObservation | undefined): o is HttpResponseSummary => o?.outcome === 'response';

interface Ctx {
  resource: string;
  plan: Evidence<PlanEvidence>;
  request: (c: RequestCase) => Evidence<RequestEvidence> | undefined;
  evidence: EvidenceSet;
}

/** Why the plan left a request out, or null when it was planned: a planned request with no evidence was cut short (the check's budget ran out), which is not an observation. */
const notApplicableReason = (x: Ctx, c: RequestCase): string | null => x.plan.data.notApplicable.find((n) => n.case === c)?.reason ?? null;
const NOT_SENT = 'planned but not sent (check budget ran out)';

/** Whether the configured client certificate got an HTTP answer: the relay's TLS path works for a client it trusts. */
function certificateWorks(x: Ctx): boolean {
  const valid = x.request('valid-credential');
  return valid?.data.credential.kind === 'client-cert' && responded(valid.data.response);
}

/**
 * A request refused in the TLS handshake for want of an acceptable client
 * certificate (a relay that requires one). certificate_required says so by
 * itself; any other alert counts only when the configured certificate got
 * through the same TLS path. A relay that drops an untrusted certificate's
 * connection right after the handshake (TLS 1.3 servers judge the client's
 * certificate after the client has finished and sent its request) refuses it
 * too, on the same condition. Null when the observation is none of these.
 */
function refusedInTls(o: HttpObservation | undefined, want: 'a certificate' | 'a trusted certificate', x: Ctx): string | null {
  if (!o || (o.outcome !== 'tls' && o.outcome !== 'protocol')) return null;
  const works = certificateWorks(x);
  const alerts = want === 'a certificate' ? CLIENT_CERTIFICATE_ALERTS : UNTRUSTED_CERTIFICATE_ALERTS;
  if (o.alert && alerts.has(o.alert.code) && (o.alert.code === 116 || works)) return `refused in the TLS handshake: alert ${o.alert.code} ${o.alert.name} (the relay requires ${want})`;
  if (want === 'a trusted certificate' && works && o.tlsHandshakeCompleted && !o.alert && (o.code === 'ECONNRESET' || o.code === 'EPIPE'))
    return `refused at TLS: the relay dropped the connection after the handshake, before any HTTP answer (${o.code}), while the configured certificate got an HTTP answer`;
  return null;
}

function evaluateIa01(x: Ctx): ControlResult {
  const { resource } = x;
  const ev = x.request('no-credentials');
  if (!ev) return { control: 'IA-01', resource, status: 'error', detail: 'the request without credentials was not sent (check budget ran out)', evidence: [x.plan.key] };
  const o = ev.data.response;
  if (is2xx(o))
    return {
      control: 'IA-01',
      resource,
      status: 'fail',
      detail: `POST without credentials answered ${describeHttp(o)}: the ingest endpoint accepts unauthenticated telemetry${x.plan.data.auth === 'none' ? ' (and ingest.auth names no credential)' : ''}`,
      evidence: [ev.key],
    };
  if (isAuthRefusal(o))
    return { control: 'IA-01', resource, status: 'pass', detail: `POST without credentials refused: ${describeHttp(o)}${responded(o) && o.headers['www-authenticate'] ? ` (WWW-Authenticate: ${o.headers['www-authenticate']})` : ''}`, evidence: [ev.key] };
  const tls = refusedInTls(o, 'a certificate', x);
  if (tls) return { control: 'IA-01', resource, status: 'pass', detail: `POST without credentials ${tls}`, evidence: [ev.key] };
  return {
    control: 'IA-01',
    resource,
    status: 'error',
    detail: `POST without credentials got ${describeHttp(o)}, neither 2xx nor 401/403: whether the endpoint requires credentials was not observed`,
    evidence: [ev.key],
  };
}

function evaluateIa02(x: Ctx): ControlResult {
  const { resource } = x;
  const cases = (['malformed-credential', 'wrong-credential', 'expired-credential'] as const).map((c) => ({ c, ev: x.request(c) }));
  const sent = cases.flatMap(({ c, ev }) => (ev ? [{ c, ev }] : []));
  const cutShort = cases.filter((k) => !k.ev && notApplicableReason(x, k.c) === null).map((k) => k.c);
  if (!sent.length && !cutShort.length)
    return { control: 'IA-02', resource, status: 'skipped', detail: `no invalid credential could be presented: ${notApplicableReason(x, 'wrong-credential') ?? NOT_SENT}`, evidence: [x.plan.key] };
  const label = (k: (typeof sent)[number]) => `${k.ev.data.credential.variant} ${k.ev.data.credential.kind} credential`;
  const accepted = sent.filter((k) => is2xx(k.ev.data.response));
  if (accepted.length)
    return {
      control: 'IA-02',
      resource,
      status: 'fail',
      detail: `invalid credential accepted: ${accepted.map((k) => `${label(k)} → ${describeHttp(k.ev.data.response)}`).join('; ')}`,
      evidence: accepted.map((k) => k.ev.key),
    };
  // RFC 6750 §3.1: a malformed Authorization header may be answered 400 invalid_request.
  const inTls = (k: (typeof sent)[number]) => (k.ev.data.credential.kind === 'client-cert' ? refusedInTls(k.ev.data.response, 'a trusted certificate', x) : null);
  const refused = (k: (typeof sent)[number]) =>
    isAuthRefusal(k.ev.data.response) || (k.c === 'malformed-credential' && responded(k.ev.data.response) && k.ev.data.response.status === 400) || inTls(k) !== null;
  const unobserved = sent.filter((k) => !refused(k));
  if (cutShort.length)
    return { control: 'IA-02', resource, status: 'error', detail: `${cutShort.join(', ')}: ${NOT_SENT}`, evidence: [x.plan.key, ...sent.map((k) => k.ev.key)] };
  if (unobserved.length)
    return {
      control: 'IA-02',
      resource,
      status: 'error',
      detail: `no authentication verdict for: ${unobserved.map((k) => `${label(k)} → ${describeHttp(k.ev.data.response)}`).join('; ')}`,
      evidence: unobserved.map((k) => k.ev.key),
    };
  const skipped = cases.filter((k) => !k.ev).map((k) => `${k.c} not applicable (${notApplicableReason(x, k.c) ?? NOT_SENT})`);
  return {
    control: 'IA-02',
    resource,
    status: 'pass',
    detail: `${sent.map((k) => `${label(k)}${k.ev.data.credential.certificate ? ` (${k.ev.data.credential.certificate})` : ''} ${inTls(k) ?? `refused (${describeHttp(k.ev.data.response)})`}`).join('; ')}${skipped.length ? `; ${skipped.join('; ')}` : ''}`,
    evidence: sent.map((k) => k.ev.key),
  };
}

function evaluateIa03(x: Ctx): ControlResult {
  const { resource } = x;
  const ev = x.request('valid-credential');
  if (!ev) {
    const reason = notApplicableReason(x, 'valid-credential');
    return reason === null
      ? { control: 'IA-03', resource, status: 'error', detail: `the request with the configured credential was ${NOT_SENT}`, evidence: [x.plan.key] }
      : { control: 'IA-03', resource, status: 'skipped', detail: reason, evidence: [x.plan.key] };
  }
  const o = ev.data.response;
  const kind = ev.data.credential.kind;
  if (is2xx(o)) return { control: 'IA-03', resource, status: 'pass', detail: `POST with the configured ${kind} credential accepted: ${describeHttp(o)}`, evidence: [ev.key] };
  if (responded(o))
    return {
      control: 'IA-03',
      resource,
      status: 'fail',
      detail: `POST with the configured ${kind} credential answered ${describeHttp(o)}, not 2xx: devices using this credential cannot deliver telemetry${isAuthRefusal(o) ? ' (the credential itself is refused)' : ''}`,
      evidence: [ev.key],
    };
  return { control: 'IA-03', resource, status: 'error', detail: `POST with the configured ${kind} credential got ${describeHttp(o)}`, evidence: [ev.key] };
}

/** Answers to plain HTTP on a TLS port that mean "not served here" (nginx answers 400/497, RFC 9110 §15.5.22 426 Upgrade Required). */
const PLAINTEXT_REFUSALS = new Set([400, 426, 497]);

function evaluateIa04(x: Ctx): ControlResult {
  const { resource } = x;
  if (x.plan.data.scheme === 'http') {
    const answered = (['no-credentials', 'valid-credential', 'malformed-body'] as const).map((c) => x.request(c)).find((e) => responded(e?.data.response));
    if (answered)
      return {
        control: 'IA-04',
        resource,
        status: 'fail',
        detail: `the ingest URL is plain http and the endpoint answers over it (${answered.data.case}: ${describeHttp(answered.data.response)}): credentials and telemetry cross the network readable`,
        evidence: [x.plan.key, answered.key],
      };
    const first = x.request('no-credentials');
    return { control: 'IA-04', resource, status: 'error', detail: `plain http URL, but no request got an HTTP answer (${describeHttp(first?.data.response)})`, evidence: [x.plan.key, ...(first ? [first.key] : [])] };
  }
  const ev = x.request('plaintext');
  if (!ev) return { control: 'IA-04', resource, status: 'error', detail: 'the plain HTTP request was not sent (check budget ran out)', evidence: [x.plan.key] };
  const o = ev.data.response;
  if (responded(o)) {
    const redirect = o.status >= 300 && o.status < 400 && /^https:/i.test(o.headers.location ?? '');
    if (PLAINTEXT_REFUSALS.has(o.status) || redirect)
      return {
        control: 'IA-04',
        resource,
        status: 'pass',
        detail: `plain HTTP on port ${new URL(ev.data.url).port || 80} is not served: ${describeHttp(o)}${redirect ? ` → ${o.headers.location}` : ''}`,
        evidence: [ev.key],
      };
    return {
      control: 'IA-04',
      resource,
      status: 'fail',
      detail: `the HTTPS endpoint also answers plain HTTP on the same port: ${describeHttp(o)} to a POST without credentials`,
      evidence: [ev.key],
    };
  }
  if (o.outcome === 'timeout' || o.outcome === 'aborted')
    return { control: 'IA-04', resource, status: 'error', detail: `plain HTTP request got no verdict: ${describeHttp(o)}`, evidence: [ev.key] };
  return { control: 'IA-04', resource, status: 'pass', detail: `plain HTTP on the HTTPS port gets no HTTP answer (${o.outcome}${o.code ? ` ${o.code}` : ''}): only TLS is served`, evidence: [ev.key] };
}

interface Issue {
  severity: Severity;
  text: string;
  key: string;
}

function tlsIssues(x: Ctx): { issues: Issue[]; unobserved: string[]; notes: string[]; keys: string[] } | null {
  const { resource } = x;
  const issues: Issue[] = [];
  const unobserved: string[] = [];
  const notes: string[] = [];
  const scan = tlsScanEvidence.find(x.evidence, resource);
  if (!scan) return null;
  const keys = [scan.key];
  const versions = judgeProtocolVersions(scan.data);
  if (versions.status === 'fail') issues.push({ severity: 'high', text: versions.detail, key: scan.key });
  else if (versions.status === 'error') unobserved.push(versions.detail);
  else notes.push(`TLS below 1.2 refused (${versions.detail})`);
  const suites = judgeCipherSuites(scan.data);
  if (suites.status === 'fail') issues.push({ severity: suites.severity ?? 'medium', text: suites.detail, key: scan.key });
  else if (suites.status === 'error') unobserved.push(suites.detail);
  else notes.push(`${suites.accepted} accepted suite(s), none in a weak class`);

  // The served certificate is broker-cert's to judge (BC-01..08 on this same
  // resource): one defect, one finding.
  notes.push(`served certificate judged by broker-cert (BC-01..BC-08 on ${resource})`);
  return { issues, unobserved, notes, keys };
}

function evaluateIa05(x: Ctx): ControlResult {
  const { resource } = x;
  if (x.plan.data.scheme === 'http') return { control: 'IA-05', resource, status: 'skipped', detail: 'plain http URL: there is no TLS to judge (see IA-04)', evidence: [] };
  const tls = tlsIssues(x);
  if (!tls) return tlsScanEvidence.missing('IA-05', resource);
  const { issues, unobserved, notes, keys } = tls;
  if (issues.length)
    return {
      control: 'IA-05',
      resource,
      status: 'fail',
      severity: worst(issues.map((i) => i.severity)),
      detail: `ingest TLS weak: ${issues.map((i) => i.text).join('; ')} (the served certificate is judged by broker-cert)`,
      evidence: [...new Set(issues.map((i) => i.key))],
    };
  if (unobserved.length) return { control: 'IA-05', resource, status: 'error', detail: `ingest TLS not fully observed: ${unobserved.join('; ')}`, evidence: keys };
  return { control: 'IA-05', resource, status: 'pass', detail: notes.join('; '), evidence: keys };
}

function evaluateIa06(x: Ctx): ControlResult {
  const { resource } = x;
  const cases = (['malformed-body', 'oversized-body'] as const).map((c) => x.request(c)).filter((e): e is Evidence<RequestEvidence> => Boolean(e));
  if (cases.length < 2) return { control: 'IA-06', resource, status: 'error', detail: 'the body requests were not both sent (check budget ran out)', evidence: [x.plan.key] };
  const valid = x.request('valid-credential');
  const describe = (e: Evidence<RequestEvidence>) => `${e.data.body.shape} (${e.data.body.bytes} bytes) → ${describeHttp(e.data.response)}`;
  const bad = cases.filter((e) => responded(e.data.response) && (is2xx(e.data.response) || e.data.response.status >= 500));
  if (bad.length)
    return {
      control: 'IA-06',
      resource,
      status: 'fail',
      detail: `bad body not refused with 4xx: ${bad.map(describe).join('; ')}`,
      evidence: bad.map((e) => e.key),
    };
  // A 401/403 to the body cases says the relay stopped at authentication: the parser and the limit were never reached.
  const authStopped = cases.filter((e) => isAuthRefusal(e.data.response));
  if (authStopped.length) {
    const why = valid && !is2xx(valid.data.response) ? 'the configured credential is refused (see IA-03)' : 'the relay requires credentials the config does not give (ingest.auth)';
    return { control: 'IA-06', resource, status: 'error', detail: `body handling not observed: ${authStopped.map(describe).join('; ')}; ${why}`, evidence: [...authStopped.map((e) => e.key), ...(valid ? [valid.key] : [])] };
  }
  const unanswered = cases.filter((e) => !responded(e.data.response) || e.data.response.status < 400);
  if (unanswered.length) return { control: 'IA-06', resource, status: 'error', detail: `no 4xx/5xx/2xx verdict for: ${unanswered.map(describe).join('; ')}`, evidence: unanswered.map((e) => e.key) };
  return { control: 'IA-06', resource, status: 'pass', detail: `bad bodies refused: ${cases.map(describe).join('; ')}`, evidence: cases.map((e) => e.key) };
}

function evaluateIa07(x: Ctx): ControlResult {
  const { resource } = x;
  const answered = [...new Set<RequestCase>(x.plan.data.sent)].map((c) => x.request(c)).filter((e): e is Evidence<RequestEvidence> => responded(e?.data.response));
  if (!answered.length) return { control: 'IA-07', resource, status: 'error', detail: 'no request got an HTTP answer: nothing to judge disclosure on', evidence: [x.plan.key] };
  const disclosures = new Map<string, string[]>();
  const keys = new Set<string>();
  for (const e of answered) {
    const o = e.data.response as HttpResponseSummary;
    const found = [
      ...versionBanners(o.headers).map((b) => `${b.header}: ${b.value}`),
      ...(() => {
        const st = stackTraceIn(o.bodyExcerpt);
        return st ? [`${st.runtime} stack trace in the HTTP ${o.status} body ("${st.frame}")`] : [];
      })(),
    ];
    for (const f of found) {
      disclosures.set(f, [...(disclosures.get(f) ?? []), e.data.case]);
      keys.add(e.key);
    }
  }
  if (disclosures.size)
    return {
      control: 'IA-07',
      resource,
      status: 'fail',
      detail: `disclosed: ${[...disclosures].map(([what, cases]) => `${what} (${cases.length > 2 ? `${cases.length} responses` : cases.join(', ')})`).join('; ')}`,
      evidence: [...keys],
    };
  return { control: 'IA-07', resource, status: 'pass', detail: `no version banner or stack trace in ${answered.length} response(s)`, evidence: answered.map((e) => e.key) };
}

const IDS = ['IA-01', 'IA-02', 'IA-03', 'IA-04', 'IA-05', 'IA-06', 'IA-07'];

export function evaluateIngestAuth({ config, evidence: records }: EvaluateInput): ControlResult[] {
  const ingest = config.ingest!;
  const resource = ingestResource(ingest.url);
  const evidence = indexEvidence(records);
  const tcp = tcpEvidence.find(evidence, resource);
  if (!tcp) return IDS.map((control) => tcpEvidence.missing(control, resource));
  if (!tcp.data.reachable) {
    const detail = `ingest endpoint not reachable (${tcp.data.code ?? 'unknown'}: ${tcp.data.reason}); it is declared on the path, so this control could not be observed`;
    return IDS.map((control) => ({ control, resource, status: 'error', detail, evidence: [tcp.key] }));
  }
  // The plan says what was sent: without it no request can be read as "not applicable" or "not sent".
  const plan = planEvidence.find(evidence, resource);
  if (!plan) return IDS.map((control) => planEvidence.missing(control, resource));
  const x: Ctx = { resource, plan, evidence, request: (c) => requestEvidence.find(evidence, { case: c, resource }) };
  return [evaluateIa01(x), evaluateIa02(x), evaluateIa03(x), evaluateIa04(x), evaluateIa05(x), evaluateIa06(x), evaluateIa07(x)];
}
