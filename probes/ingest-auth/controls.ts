import { STANDARDS, type ControlMeta } from '../types.js';

const { E, I, C, R, N } = STANDARDS;

export const controls: ControlMeta[] = [
  {
    id: 'IA-01',
    title: 'Ingest request without credentials accepted',
    severity: 'critical',
    rationale:
      'Anyone who reaches the ingest endpoint can inject telemetry that downstream systems trust as coming from devices: forged readings, poisoned dashboards and alerts, and a free amplification path into the broker.',
    remediation:
      'Require authentication on the ingest route before the body is read (bearer token, HTTP basic over TLS, or client certificates); answer 401 with a WWW-Authenticate challenge, or 403, to requests without credentials.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-01 passes when the request without credentials is answered 401 or 403 (see its evidence).',
    standards: [`${E} 5.5-4`, `${C} 2.1`, `${R} (d)`, `${N} logical access to interfaces`],
    effort: 'medium',
  },
  {
    id: 'IA-02',
    title: 'Ingest accepts an invalid or expired credential',
    severity: 'critical',
    rationale:
      'A relay that accepts a malformed, wrong or expired credential checks only that one is present: a guessed or leaked-then-revoked token still gets telemetry in, and token rotation protects nothing.',
    remediation:
      'Compare the credential to the expected value in constant time (or verify the JWT signature and its exp/nbf claims), and refuse everything else with 401.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-02 passes when the malformed, wrong and (for JWT) expired credentials are all answered 401 or 403.',
    standards: [`${E} 5.5-4`, `${C} 2.1`, `${R} (d)`, `${N} logical access to interfaces`],
    effort: 'small',
  },
  {
    id: 'IA-03',
    title: 'Valid ingest credential not accepted',
    severity: 'high',
    rationale:
      'The credential the path is configured with is refused: devices using it cannot deliver telemetry, so the path itself is broken (or the audit is pointed at the wrong credential and its other ingest verdicts are unproven).',
    remediation:
      'Check that the relay and the devices share the current credential (token rotation half-done, wrong realm, expired client certificate, clock skew on JWT), and that the relay answers 2xx (typically 202 Accepted) to a valid message.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-03 passes when the request with the configured credential is answered 2xx.',
    standards: [`${E} 5.5-4`, `${C} 2.1`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'IA-04',
    title: 'Plaintext HTTP ingest reachable',
    severity: 'high',
    rationale:
      'Credentials and telemetry sent over plain HTTP can be read and replayed by anyone on the network path; a TLS endpoint that also answers plain HTTP on the same port invites devices to fall back to it.',
    remediation:
      'Serve ingest over HTTPS only: remove the plain HTTP listener (or make it answer nothing but a redirect without processing the request), and point devices at the https:// URL.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-04 passes when the URL is https and a plain HTTP request to the same port gets no HTTP answer (or only 400/426/a redirect to https).',
    standards: [`${E} 5.5-1`, `${I} 4.1.2`, `${C} 4.1`, `${R} (e)`],
    effort: 'small',
  },
  {
    id: 'IA-05',
    title: 'Ingest TLS weak (protocol or cipher suites)',
    severity: 'high',
    rationale:
      'The same rules as for the broker: TLS below 1.2 and suites without forward secrecy or AEAD let an attacker on the path read or tamper with telemetry and credentials. The certificate the ingest endpoint serves is judged once, by broker-cert (BC-01..BC-08 on the same `ingest …` resource), so an expired certificate is one finding, not two.',
    remediation:
      'Set the relay (or its reverse proxy) to TLS 1.2+ with ECDHE+AEAD suites only (nginx: `ssl_protocols TLSv1.2 TLSv1.3;` and an ECDHE+AESGCM/CHACHA20 `ssl_ciphers` list; Node: `minVersion: "TLSv1.2"`). Certificate findings are broker-cert\'s, with their own remediation.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-05 passes when the evidence shows only TLS 1.2/1.3 accepted and only AEAD forward-secret suites (certificate findings are broker-cert\'s, proved by its own rerun).',
    standards: [`${E} 5.5-1`, `${I} 4.1.3`, `${C} 1.8`, `${C} 4.3`, `${R} (e)`],
    effort: 'medium',
  },
  {
    id: 'IA-06',
    title: 'Malformed or oversized ingest body answered 5xx or accepted',
    severity: 'medium',
    rationale:
      'A relay that accepts garbage forwards it to every consumer; one that answers 5xx crashes or leaks on input any device can send; one with no body limit can be made to buffer arbitrary amounts of memory on a small gateway.',
    remediation:
      'Validate the body before forwarding: answer 400 to malformed JSON and 413 to bodies above a fixed limit (fastify: `bodyLimit`; nginx: `client_max_body_size`).',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-06 passes when the malformed JSON and the oversized body are both answered 4xx (400 and 413).',
    standards: [`${E} 5.13-1`, `${C} 3.5`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'IA-07',
    title: 'Ingest discloses server/framework versions or stack traces',
    severity: 'low',
    rationale:
      'Version banners and stack traces tell an attacker which known vulnerabilities to try and how the relay is built (paths, modules, framework internals), for free.',
    remediation:
      'Remove version banners (`server_tokens off`, no `X-Powered-By`) and answer errors with a short generic body; log the stack trace on the gateway instead.',
    verification: 'Rerun `pathaudit run --check ingest-auth`: IA-07 passes when no response carries a versioned Server, an X-Powered-By header, or a stack trace.',
    standards: [`${E} 5.6-2`, `${C} 3.7`],
    effort: 'small',
  },
];
