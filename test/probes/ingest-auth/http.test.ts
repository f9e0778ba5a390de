// probes/http.ts: the request collector stays bounded (time, header bytes,
// body bytes) against misbehaving servers on loopback, and its summaries are
// safe to store.
import http from 'node:http';
import net from 'node:net';
import t, { type Test } from 'tap';
import { BODY_EXCERPT_CHARS, MAX_BODY_READ, httpRequest, safeUrl, stackTraceIn, versionBanners } from '../../../probes/http.js';

function serve(t: Test, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  t.teardown(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1/ingest`)));
}

t.test('a 4 MiB response body is read only up to 64 KiB and marked truncated', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 64; i += 1) res.write(chunk);
    res.end();
  });
  const o = await httpRequest({ method: 'GET', url: new URL(url), timeoutMs: 3000 });
  t.match(o, { outcome: 'response', status: 200, bodyBytes: MAX_BODY_READ, bodyTruncated: true });
  t.equal(o.outcome === 'response' && o.bodyExcerpt.length, BODY_EXCERPT_CHARS, 'only a short excerpt is kept');
});

t.test('oversized response headers fail the request instead of being buffered', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'x-filler': 'b'.repeat(40 * 1024) });
    res.end('ok');
  });
  const o = await httpRequest({ method: 'GET', url: new URL(url), timeoutMs: 3000 });
  t.match(o, { outcome: 'protocol', code: 'HPE_HEADER_OVERFLOW' });
});

t.test('a server that accepts and never answers: timeout within the step budget', async (t) => {
  const server = net.createServer(() => {});
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  const started = Date.now();
  const o = await httpRequest({ method: 'POST', url: new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`), body: '{}', timeoutMs: 300 });
  t.match(o, { outcome: 'timeout', code: 'ETIMEDOUT' });
  t.ok(Date.now() - started < 2000, 'settled promptly');
});

t.test('the check budget aborting mid-request settles it as aborted', async (t) => {
  const url = await serve(t, () => {});
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const o = await httpRequest({ method: 'GET', url: new URL(url), timeoutMs: 5000, signal: ac.signal });
  t.match(o, { outcome: 'aborted' });
});

t.test('credential values echoed by a server are cut from headers and body excerpt', async (t) => {
  const url = await serve(t, (req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer error="${req.headers.authorization}"` });
    res.end(`you sent ${req.headers.authorization}`);
  });
  const o = await httpRequest({ method: 'GET', url: new URL(url), headers: { authorization: 'Bearer sekrit-token-1' }, timeoutMs: 2000, redact: ['sekrit-token-1'] });
  t.notOk(JSON.stringify(o).includes('sekrit-token-1'));
  t.match(o, { outcome: 'response', status: 401, bodyExcerpt: 'you sent Bearer [REDACTED]' });
});

t.test('safeUrl drops userinfo, query and fragment', async (t) => {
  t.equal(safeUrl('https://dev:pw@127.0.0.1:8443/v1/ingest?token=abc#x'), 'https://127.0.0.1:8443/v1/ingest');
});

t.test('versionBanners flags versioned Server and any X-Powered-By, not a bare product name', async (t) => {
  t.same(versionBanners({ server: 'nginx' }), []);
  t.same(versionBanners({ server: 'nginx/1.18.0 (Ubuntu)' }), [{ header: 'server', value: 'nginx/1.18.0 (Ubuntu)' }]);
  t.same(versionBanners({ 'x-powered-by': 'Express' }), [{ header: 'x-powered-by', value: 'Express' }]);
  t.same(versionBanners({ 'content-type': 'application/json; version=1.2' }), []);
});

t.test('stackTraceIn recognises Node, Python and Java frames and ignores ordinary error bodies', async (t) => {
  t.match(stackTraceIn('Error: boom\n    at parse (/srv/relay/index.js:10:5)'), { runtime: 'node' });
  t.match(stackTraceIn('Traceback (most recent call last):\n  File "/app/main.py", line 3, in <module>'), { runtime: 'python' });
  t.match(stackTraceIn('java.lang.IllegalStateException\n\tat com.acme.Relay.handle(Relay.java:42)'), { runtime: 'java' });
  t.equal(stackTraceIn('{"error":"bad request","message":"body at line 1 is not JSON"}'), null);
  t.equal(stackTraceIn('{"error":"payload too large"}'), null);
  t.equal(stackTraceIn('{"error":"no route at /v1/ingest"}'), null, 'a path in a message is not a frame');
  t.match(stackTraceIn('    at IncomingMessage.emit (node:events:524:28)'), { runtime: 'node' });
});

t.test('an https request to a plain HTTP port is a TLS failure, never an HTTP answer', async (t) => {
  const url = await serve(t, (_req, res) => res.end('plain'));
  const o = await httpRequest({ method: 'GET', url: new URL(url.replace('http:', 'https:')), timeoutMs: 2000 });
  t.equal(o.outcome, 'tls', `${o.outcome}: ${'reason' in o ? o.reason : ''}`);
});

t.test('a closed port is a TCP failure with the errno', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const o = await httpRequest({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), timeoutMs: 2000 });
  t.match(o, { outcome: 'tcp', code: 'ECONNREFUSED' });
});
