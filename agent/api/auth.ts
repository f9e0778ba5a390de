// Bearer-token authentication for every route but /healthz and /docs.
//
// The token comes from the file named by `api.token_file` (read once with the
// config; a SIGHUP reload picks up a new one). Comparison is constant-time over
// sha256 digests, so neither the content nor the length of the expected token
// leaks through timing.
//
// Repeated failures from one address are throttled: after MAX_FAILURES wrong
// tokens within the window, a wrong token from that address gets 429 until
// the oldest failure ages out, which slows a local brute force to a crawl.
// Only failing requests are throttled: the right token always passes, so a
// scraper or an operator on the same address (on loopback, every local user
// shares 127.0.0.1) is never locked out by someone else's guesses. For the
// same reason a success does not wipe the address's failures: a scraper's
// requests must not reset a guesser's count.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Routes without a token: liveness, and the OpenAPI page and document (no data: what the API is, not what it holds). */
export const AUTH_EXEMPT_ROUTES = new Set(['/healthz', '/docs', '/docs/*']);

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
  /** Per address: the failures within the window, and whether its throttling was already reported. */
  readonly #failures = new Map<string, { times: number[]; reported: boolean }>();
  constructor(
    readonly max = 10,
    readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  #recent(addr: string, now: number): { times: number[]; reported: boolean } | undefined {
    const entry = this.#failures.get(addr);
    if (!entry) return undefined;
    entry.times = entry.times.filter((t) => now - t < this.windowMs);
    if (entry.times.length) return entry;
    this.#failures.delete(addr);
    return undefined;
  }

  /** Seconds until a wrong token from this address is answered 401 again, or 0 when it is not throttled. */
  blockedFor(addr: string, now = Date.now()): number {
    const times = this.#recent(addr, now)?.times ?? [];
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
  }

  /** True the first time a throttled address is throttled, until its failures age out: report it once. */
  firstThrottle(addr: string, now = Date.now()): boolean {
    const entry = this.#recent(addr, now);
    if (!entry || entry.reported) return false;
    entry.reported = true;
    return true;
  }

  fail(addr: string, now = Date.now()): void {
    if (!this.#failures.has(addr) && this.#failures.size >= this.maxAddresses) {
      // Forget the oldest address rather than grow without bound.
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
    const entry = this.#recent(addr, now) ?? { times: [], reported: false };
    entry.times.push(now);
    this.#failures.set(addr, entry);
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
    // Only presented tokens count as guesses: a request without one is no attempt.
    if (given === null) return unauthorized(reply, 'missing bearer token: send "Authorization: Bearer <token from api.token_file>"');
    if (tokenMatches(given, expected)) return;
    const addr = req.ip;
    const wait = opts.limiter.blockedFor(addr);
    if (wait > 0) {
      if (opts.limiter.firstThrottle(addr))
        req.log.warn(
          { address: addr, failures: opts.limiter.max, windowS: opts.limiter.windowMs / 1000, retryAfterS: wait },
          'failed authentications throttled: wrong tokens from this address get 429 until the window passes (the right token still passes)',
        );
      reply.header('retry-after', String(wait));
      await reply.code(429).send({ statusCode: 429, error: 'Too Many Requests', code: 'PATHAUDIT_ERR_AUTH_RATE', message: `too many failed authentications from ${addr}: retry in ${wait} s` });
      return reply;
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
