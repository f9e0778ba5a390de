// Bearer-token authentication for every route but /healthz.
//
// The token comes from the file named by `api.token_file` (read once with the
// config; a SIGHUP reload picks up a new one). Comparison is constant-time over
// sha256 digests, so neither the content nor the length of the expected token
// leaks through timing. Repeated failures from one address are rate-limited:
// after MAX_FAILURES within the window every request from it gets 429 until
// the oldest failure ages out — on loopback that slows a local brute force to
// a crawl at the cost of also pausing a legitimate client that keeps sending a
// wrong token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const AUTH_EXEMPT_ROUTES = new Set(['/healthz']);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

let expectedCache: { token: string; digest: Buffer } | null = null;

export function tokenMatches(given: string, expected: string): boolean {
  // The expected digest is computed once per token value (a reload may rotate it).
  if (expectedCache?.token !== expected) expectedCache = { token: expected, digest: digest(expected) };
  return timingSafeEqual(digest(given), expectedCache.digest);
}

/** `Authorization: Bearer <token>` → token; anything else → null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/** Failed-auth limiter: at most `max` failures per address per window. Small, in memory, bounded. */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(
    readonly max = 10,
    readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  #recent(addr: string, now: number): number[] {
    const list = (this.#failures.get(addr) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.#failures.set(addr, list);
    else this.#failures.delete(addr);
    return list;
  }

  /** Seconds until this address may try again, or 0 when it is not blocked. */
  blockedFor(addr: string, now = Date.now()): number {
    const list = this.#recent(addr, now);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - now) / 1000));
  }

  fail(addr: string, now = Date.now()): void {
    if (!this.#failures.has(addr) && this.#failures.size >= this.maxAddresses) {
      // Forget the oldest address rather than grow without bound.
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
    const list = this.#recent(addr, now);
    list.push(now);
    this.#failures.set(addr, list);
  }

  succeed(addr: string): void {
    this.#failures.delete(addr);
  }
}

export interface AuthOptions {
  /** The expected token now (null: the API runs without a token, only allowed on loopback). */
  token: () => string | null;
  limiter: FailureLimiter;
}

export function bearerAuthHook(opts: AuthOptions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    if (req.routeOptions.url && AUTH_EXEMPT_ROUTES.has(req.routeOptions.url)) return;
    const expected = opts.token();
    if (expected === null) return;
    const given = bearerOf(req.headers.authorization);
    if (given === null) return unauthorized(reply, 'missing bearer token: send "Authorization: Bearer <token from api.token_file>"');
    // Only presented tokens count as guesses: a request without one is no attempt.
    const addr = req.ip;
    const wait = opts.limiter.blockedFor(addr);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      await reply.code(429).send({ statusCode: 429, error: 'Too Many Requests', code: 'PATHAUDIT_ERR_AUTH_RATE', message: `too many failed authentications from ${addr}: retry in ${wait} s` });
      return reply;
    }
    if (tokenMatches(given, expected)) {
      opts.limiter.succeed(addr);
      return;
    }
    opts.limiter.fail(addr);
    return unauthorized(reply, 'invalid bearer token');
  };
}

async function unauthorized(reply: FastifyReply, message: string): Promise<FastifyReply> {
  reply.header('www-authenticate', 'Bearer realm="pathaudit"');
  await reply.code(401).send({ statusCode: 401, error: 'Unauthorized', code: 'PATHAUDIT_ERR_AUTH', message });
  return reply;
}
