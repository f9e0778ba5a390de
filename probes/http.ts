// Reusable HTTP(S) request collector and its pure judgement helpers.
//
// One request = one fresh connection (no keep-alive agent: every observation
// stands on its own), one timer covering connect, TLS, headers and body, and
// the check's abort signal. What comes back is bounded (headers by the
// parser's maxHeaderSize, the body by MAX_BODY_READ) and summarised so the
// result is safe to store as evidence: the URL without userinfo or query,
// selected headers only, and a short body excerpt with the request's own
// credential values cut out.
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { reasonOf } from './reason.js';
import { alertOf, type TlsAlert } from './tls-alert.js';

/** Bytes of response body read at most; the rest is discarded unread (the connection is closed). */
export const MAX_BODY_READ = 64 * 1024;
/** Bytes of response headers accepted at most (Node's parser fails the request beyond this). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Characters of body kept in evidence: enough to show a stack trace's first frames. */
export const BODY_EXCERPT_CHARS = 600;

/** Response headers worth keeping: auth challenges, banners, body framing, redirects. */
export const SELECTED_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'via', 'www-authenticate', 'content-type', 'content-length', 'location', 'strict-transport-security', 'connection'];

export interface HttpRequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD' | 'OPTIONS';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** TLS only: SNI to send (IP literals are never sent as SNI). */
  servername?: string;
  /** TLS only: client certificate and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
  /** Values that must never appear in the summary (the credential used for this request). */
  redact?: string[];
}

export interface HttpResponseSummary {
  outcome: 'response';
  status: number;
  statusMessage: string;
  httpVersion: string;
  headers: Record<string, string>;
  /** Bytes read (at most MAX_BODY_READ). */
  bodyBytes: number;
  bodyTruncated: boolean;
  bodySha256: string;
  /** First BODY_EXCERPT_CHARS characters, control characters replaced, credentials cut out. */
  bodyExcerpt: string;
  /** TLS only: what was negotiated on this request. */
  tls?: { protocol: string | null; cipher: string | null };
  durationMs: number;
}

export interface HttpFailure {
  /** tcp: no connection; tls: handshake failed; protocol: the peer did not speak HTTP; timeout; aborted: the check's budget ran out. */
  outcome: 'tcp' | 'tls' | 'protocol' | 'timeout' | 'aborted';
  code: string | null;
  reason: string;
  durationMs: number;
  /** HTTPS only: the TLS alert the server ended the connection with, if it sent one (a relay requiring client certificates refuses in TLS). */
  alert?: TlsAlert | null;
  /** HTTPS only: whether the client saw the TLS handshake complete before the failure. */
  tlsHandshakeCompleted?: boolean;
}

export type HttpObservation = HttpResponseSummary | HttpFailure;

/** The URL as it may appear in evidence and resource ids: no userinfo, no query, no fragment. */
export function safeUrl(url: URL | string): string {
  const u = new URL(url.toString());
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return u.toString();
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/;

function excerptOf(body: Buffer, redact: string[]): string {
  let text = body.subarray(0, BODY_EXCERPT_CHARS * 4).toString('utf8').slice(0, BODY_EXCERPT_CHARS);
  for (const v of redact) if (v.length >= 4) text = text.split(v).join('[REDACTED]');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '?');
}

function pickHeaders(raw: http.IncomingHttpHeaders, redact: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const v = raw[name];
    if (v === undefined) continue;
    let s = (Array.isArray(v) ? v.join(', ') : String(v)).slice(0, 256);
    for (const r of redact) if (r.length >= 4) s = s.split(r).join('[REDACTED]');
    out[name] = s;
  }
  return out;
}

/** Sends one request and summarises the answer; never throws, always settles within timeoutMs. */
export function httpRequest(spec: HttpRequestSpec): Promise<HttpObservation> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const redact = spec.redact ?? [];
  const tlsUrl = spec.url.protocol === 'https:';
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let secured = false;
    const finish = (o: HttpObservation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(o);
    };
    const onAbort = () => finish({ outcome: 'aborted', code: 'ABORTED', reason: 'check budget ran out', durationMs: ms() });
    const timer = setTimeout(() => {
      const where = !connected ? 'no TCP connection' : tlsUrl && !secured ? 'no TLS handshake' : 'no complete HTTP response';
      finish({ outcome: 'timeout', code: 'ETIMEDOUT', reason: `${where} within ${spec.timeoutMs} ms`, durationMs: ms() });
    }, spec.timeoutMs);

    const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
    const headers: Record<string, string> = { ...spec.headers };
    if (body) headers['content-length'] = String(body.length);
    const servername = spec.servername && !isIp(spec.servername) ? spec.servername : undefined;
    const options: https.RequestOptions = {
      method: spec.method,
      headers,
      agent: false,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Trust is judged from the served certificate (IA-05), not by refusing to talk.
      ...(tlsUrl ? { rejectUnauthorized: false, servername, cert: spec.cert, key: spec.key } : {}),
    };
    const req = (tlsUrl ? https : http).request(spec.url, options, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let truncated = false;
      const socket = res.socket as import('node:tls').TLSSocket;
      const done = () => {
        const buf = Buffer.concat(chunks);
        finish({
          outcome: 'response',
          status: res.statusCode ?? 0,
          statusMessage: (res.statusMessage ?? '').slice(0, 128),
          httpVersion: res.httpVersion,
          headers: pickHeaders(res.headers, redact),
          bodyBytes: bytes,
          bodyTruncated: truncated,
          bodySha256: createHash('sha256').update(buf).digest('hex'),
          bodyExcerpt: excerptOf(buf, redact),
          ...(tlsUrl ? { tls: { protocol: socket.getProtocol?.() ?? null, cipher: socket.getCipher?.()?.name ?? null } } : {}),
          durationMs: ms(),
        });
      };
      res.on('data', (chunk: Buffer) => {
        if (bytes + chunk.length > MAX_BODY_READ) {
          chunks.push(chunk.subarray(0, MAX_BODY_READ - bytes));
          bytes = MAX_BODY_READ;
          truncated = true;
          done();
          return;
        }
        chunks.push(chunk);
        bytes += chunk.length;
      });
      res.once('end', done);
      // A body cut short by the peer is still an answer: keep what arrived.
      res.once('close', done);
    });
    req.once('socket', (s) => {
      s.once('connect', () => {
        connected = true;
      });
      s.once('secureConnect', () => {
        secured = true;
      });
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? null;
      let outcome: HttpFailure['outcome'];
      if (!connected) outcome = 'tcp';
      else if (tlsUrl && !secured) outcome = 'tls';
      else if (code && TLS_CODES.test(code) && tlsUrl) outcome = 'tls';
      else outcome = 'protocol';
      finish({ outcome, code, reason: reasonOf(err), durationMs: ms(), ...(tlsUrl ? { alert: alertOf(code, err.message), tlsHandshakeCompleted: secured } : {}) });
    });
    if (spec.signal?.aborted) {
      onAbort();
      return;
    }
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    // The server may answer (401, 413) before reading the whole body and close: that is an answer, not a failure.
    req.end(body);
  });
}

// ── judgement (pure) ────────────────────────────────────────────────────────

/** A product token carrying a version (`nginx/1.18.0`, `Express 4.17`, `PHP/8.1`): what IA-07 flags. */
const VERSIONED_PRODUCT = /[A-Za-z][\w.-]*[/ ]v?\d+(\.\d+)+/;

export interface BannerDisclosure {
  header: string;
  value: string;
}

/**
 * Banner headers that name software with its version. `X-Powered-By` is a
 * disclosure even without a version (it names the framework and has no other
 * purpose); `Server` is accepted when it names no version (`Server: nginx`).
 */
export function versionBanners(headers: Record<string, string>): BannerDisclosure[] {
  const out: BannerDisclosure[] = [];
  for (const [header, value] of Object.entries(headers)) {
    if (header === 'x-powered-by' || header === 'x-aspnet-version' || header === 'x-aspnetmvc-version') out.push({ header, value });
    else if ((header === 'server' || header === 'via') && VERSIONED_PRODUCT.test(value)) out.push({ header, value });
  }
  return out;
}

/** Stack-frame shapes of the runtimes relays are written in: Node/JS, Python, Java, Go, PHP, .NET. */
const STACK_PATTERNS: Array<{ runtime: string; re: RegExp }> = [
  // V8 frames: `at fn (/path/file.js:10:5)`, `at node:events:524:28`; line:column required so "error at /v1/ingest" is not one.
  { runtime: 'node', re: /\bat (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|node:|\/|[A-Z]:\\)[^\s()]*:\d+:\d+\)?/ },
  { runtime: 'python', re: /Traceback \(most recent call last\)|File "[^"]+", line \d+/ },
  { runtime: 'java', re: /\bat [\w$.]+\([\w$]+\.java:\d+\)|Exception in thread "/ },
  { runtime: 'go', re: /goroutine \d+ \[|panic: .*\n/ },
  { runtime: 'php', re: /Stack trace:\s*#0 |on line \d+ in \// },
  { runtime: '.NET', re: /\bat [\w.]+\(.*\) in .*:line \d+/ },
];

/** The first stack-trace frame in a response body, or null. */
export function stackTraceIn(body: string): { runtime: string; frame: string } | null {
  for (const { runtime, re } of STACK_PATTERNS) {
    const m = re.exec(body);
    if (m) return { runtime, frame: m[0].trim().slice(0, 160) };
  }
  return null;
}

export const is2xx = (o: HttpObservation | undefined): boolean => o?.outcome === 'response' && o.status >= 200 && o.status < 300;

export function describeHttp(o: HttpObservation | undefined): string {
  if (!o) return 'not sent';
  if (o.outcome === 'response') return `HTTP ${o.status}${o.statusMessage ? ` ${o.statusMessage}` : ''}`;
  return `no HTTP answer (${o.outcome}${o.code ? ` ${o.code}` : ''}: ${o.reason})`;
}
