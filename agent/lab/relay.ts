// Lab ingest relay (fastify, in-process, loopback): the HTTP edge devices POST
// telemetry to, which forwards it upstream. Two profiles are knob sets, as for
// the lab broker; tests flip single knobs to make exactly one IA control fail.
//
// Dropping probe traffic. pathaudit marks every probe request with the header
// `X-Pathaudit-Probe: 1` (and `"pathaudit_probe": true` in its JSON body) and
// sends only synthetic payloads. A real relay should answer probe requests
// exactly as it answers devices — same auth, same parsing, same limits, same
// status codes, or the audit measures something else — and skip only the
// forwarding step, as the last thing before publishing upstream. Here that is
// the `isProbe` branch in the route handler; in Node-RED, a switch node on
// `msg.req.headers["x-pathaudit-probe"]` just before the MQTT-out node. Never
// short-circuit on the header earlier (e.g. an nginx `if ... return 202` in
// front of the relay): the audit would then judge the proxy, not the relay,
// and anyone setting the header would skip the relay's checks. The header is
// the signal to use, not the body marker: a refused request's body is never
// parsed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { LEGACY_SERVER_CIPHERS, HARDENED_CIPHERS } from './broker.js';
import type { Issued } from './certs.js';

export const PROBE_HEADER = 'x-pathaudit-probe';
export const INGEST_PATH = '/v1/ingest';

export interface RelayKnobs {
  /** Answer plain HTTP on the relay port (alone, or beside TLS on the same port when `tls` is set too). */
  plaintext: boolean;
  /** HTTPS settings; false for none. */
  tls: false | { minVersion: tls.SecureVersion; ciphers?: string };
  /**
   * none: accept every request; any-bearer: any well-formed bearer token (presence checked, value not);
   * bearer: static token; basic: user + password; jwt: HS256 JWT; client-cert: a certificate from opts.clientCa (mutual TLS).
   */
  auth: 'none' | 'any-bearer' | 'bearer' | 'basic' | 'jwt' | 'client-cert';
  /** jwt only: refuse tokens whose `exp` is past (false: the classic "signature checked, expiry not" bug). */
  checkExpiry: boolean;
  /**
   * client-cert only: refuse a client without a certificate from opts.clientCa
   * in the TLS handshake (an mTLS-only relay, as nginx `ssl_verify_client on`),
   * instead of answering it 401.
   */
  certificateInTls: boolean;
  /** Body limit in bytes (413 above it); null: effectively none. */
  bodyLimit: number | null;
  /** Send `Server` and `X-Powered-By` with product versions. */
  banners: boolean;
  /** Answer errors (including bad JSON) 500 with the stack trace, as an unconfigured framework does. */
  leakErrors: boolean;
  /** Status for an accepted message. */
  acceptStatus: number;
}

export const RELAY_PROFILES: Record<'weak' | 'hardened', RelayKnobs> = {
  weak: {
    plaintext: true,
    tls: { minVersion: 'TLSv1', ciphers: LEGACY_SERVER_CIPHERS },
    auth: 'none',
    checkExpiry: false,
    certificateInTls: false,
    bodyLimit: null,
    banners: true,
    leakErrors: true,
    acceptStatus: 200,
  },
  hardened: {
    plaintext: false,
    tls: { minVersion: 'TLSv1.2', ciphers: HARDENED_CIPHERS },
    auth: 'bearer',
    checkExpiry: true,
    certificateInTls: false,
    bodyLimit: 64 * 1024,
    banners: false,
    leakErrors: false,
    acceptStatus: 202,
  },
};

/** "No body limit" still needs a number for fastify: larger than anything a probe sends. */
const UNLIMITED_BODY = 1024 * 1024 * 1024;

export interface RelayMessage {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface LabRelay {
  port: number;
  /** `http(s)://127.0.0.1:<port>/v1/ingest` (https when TLS is on). */
  url: string;
  /** Messages forwarded upstream (probe requests are answered but never land here). */
  forwarded: RelayMessage[];
  /** Probe requests answered without forwarding. */
  probesDropped: number;
  close(): Promise<void>;
}

export interface StartRelayOptions {
  knobs: RelayKnobs;
  /** Server certificate (needed when knobs.tls is set). */
  server?: Issued;
  /** bearer: the token devices present. */
  token?: string;
  /** jwt: the HS256 key. */
  jwtSecret?: string;
  /** basic: the one account. */
  basic?: { username: string; password: string };
  /** client-cert: the CA client certificates must chain to. */
  clientCa?: Issued;
  host?: string;
  /** Fixed port (to restart on the same port); 0 or absent: ephemeral. */
  port?: number;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HS256 JWT verification (RFC 7519 §7.2): signature first, then `exp`. */
function verifyJwt(token: string, secret: string, checkExpiry: boolean): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed token';
  let header: { alg?: string };
  let claims: { exp?: number };
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'malformed token';
  }
  if (header.alg !== 'HS256') return 'unsupported alg';
  const expected = b64url(createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest());
  if (!sameSecret(expected, parts[2]!)) return 'bad signature';
  if (checkExpiry && (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now())) return 'expired';
  return null;
}

function authProblem(req: FastifyRequest, opts: StartRelayOptions): string | null {
  const k = opts.knobs;
  if (k.auth === 'none') return null;
  if (k.auth === 'client-cert') return (req.raw.socket as tls.TLSSocket).authorized ? null : 'no valid client certificate';
  const header = req.headers.authorization;
  if (!header) return 'no credentials';
  if (k.auth === 'basic') {
    const b = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header);
    if (!b) return 'malformed credentials';
    const [user, ...rest] = Buffer.from(b[1]!, 'base64').toString('utf8').split(':');
    return opts.basic && user === opts.basic.username && sameSecret(rest.join(':'), opts.basic.password) ? null : 'bad user or password';
  }
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!m) return 'malformed credentials';
  if (k.auth === 'any-bearer') return null;
  if (k.auth === 'bearer') return opts.token && sameSecret(m[1]!, opts.token) ? null : 'bad token';
  return verifyJwt(m[1]!, opts.jwtSecret ?? '', k.checkExpiry);
}

/** Plain HTTP and TLS on one port: the first byte of a TLS connection is a handshake record (0x16). */
function sniffingServer(plain: http.Server, secure: https.Server): net.Server {
  return net.createServer((socket) => {
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    });
    socket.on('error', () => socket.destroy());
  });
}

export async function startLabRelay(opts: StartRelayOptions): Promise<LabRelay> {
  const k = opts.knobs;
  if (!k.plaintext && !k.tls) throw new Error('relay knobs: at least one of plaintext or tls');
  if (k.tls && !opts.server) throw new Error('a TLS relay needs a server certificate (opts.server)');
  if (k.auth === 'bearer' && !opts.token) throw new Error('a bearer relay needs opts.token');
  if (k.auth === 'jwt' && !opts.jwtSecret) throw new Error('a jwt relay needs opts.jwtSecret');
  if (k.auth === 'basic' && !opts.basic) throw new Error('a basic relay needs opts.basic');
  if (k.auth === 'client-cert' && (!opts.clientCa || !k.tls)) throw new Error('a client-cert relay needs TLS and opts.clientCa');

  let handler: http.RequestListener | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: k.bodyLimit ?? UNLIMITED_BODY,
    serverFactory: (h) => {
      handler = h;
      return http.createServer(h);
    },
  });
  const forwarded: RelayMessage[] = [];
  let probesDropped = 0;

  if (k.banners) {
    app.addHook('onSend', async (_req, reply) => {
      reply.header('server', 'lab-relay/0.9.1 (Raspbian)');
      reply.header('x-powered-by', 'fastify/5.12.8 node/20');
    });
  }
  // Auth before the body is read: an unauthenticated client cannot make the relay parse anything.
  app.addHook('onRequest', async (req, reply) => {
    const problem = authProblem(req, opts);
    if (problem) return reply.code(401).header('www-authenticate', `Bearer realm="ingest", error="invalid_token"`).send({ error: 'unauthorized' });
  });
  app.setErrorHandler((err: FastifyError, _req, reply: FastifyReply) => {
    if (k.leakErrors) return reply.code(500).type('text/plain').send(`Internal Server Error\n${err.stack ?? err.message}`);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: status === 413 ? 'payload too large' : status === 500 ? 'internal error' : 'bad request' });
  });
  app.post(INGEST_PATH, async (req, reply) => {
    const isProbe = req.headers[PROBE_HEADER] === '1';
    if (isProbe) probesDropped += 1;
    else forwarded.push({ headers: req.headers, body: req.body });
    return reply.code(k.acceptStatus).send({ accepted: true });
  });
  await app.ready();

  const host = opts.host ?? '127.0.0.1';
  const secure = k.tls
    ? https.createServer(
        {
          key: opts.server!.keyPem,
          cert: opts.server!.certPem,
          minVersion: k.tls.minVersion,
          ciphers: k.tls.ciphers,
          // Ask for a client certificate but judge it in the auth hook, so a missing one gets a 401 like any missing credential.
          ...(k.auth === 'client-cert' ? { requestCert: true, rejectUnauthorized: k.certificateInTls, ca: opts.clientCa!.certPem } : {}),
        },
        handler,
      )
    : null;
  // A failed handshake is the probe doing its job, not a lab error.
  secure?.on('tlsClientError', () => {});
  const plain = k.plaintext ? http.createServer(handler) : null;
  const front: net.Server = secure && plain ? sniffingServer(plain, secure) : (secure ?? plain)!;

  const sockets = new Set<net.Socket>();
  front.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  const port = await new Promise<number>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port ?? 0, host, () => resolve((front.address() as net.AddressInfo).port));
  });
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `${k.tls ? 'https' : 'http'}://${hostPart}:${port}${INGEST_PATH}`,
    forwarded,
    get probesDropped() {
      return probesDropped;
    },
    close: async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => front.close(() => r()));
      await app.close();
    },
  };
}
