// Bearer parsing, constant-time comparison and the failed-auth limiter.
import t from 'tap';
import { bearerOf, FailureLimiter, tokenMatches } from '../../../agent/api/auth.js';

t.test('bearerOf accepts only "Bearer <token>" (scheme case-insensitive) and nothing else', async (t) => {
  t.equal(bearerOf('Bearer abc'), 'abc');
  t.equal(bearerOf('bearer abc'), 'abc');
  t.equal(bearerOf('Bearer  abc '), 'abc');
  for (const bad of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearerabc', 'Token abc'])
    t.equal(bearerOf(bad), null, `rejects ${JSON.stringify(bad)}`);
});

t.test('tokenMatches is exact, including for tokens of a different length, and follows a rotated token', async (t) => {
  t.equal(tokenMatches('s3cret-token', 's3cret-token'), true);
  t.equal(tokenMatches('s3cret-toke', 's3cret-token'), false, 'a prefix is no match (digests have equal length)');
  t.equal(tokenMatches('s3cret-token-and-more', 's3cret-token'), false);
  t.equal(tokenMatches('', 's3cret-token'), false);
  t.equal(tokenMatches('rotated', 'rotated'), true, 'a new expected token is used at once');
  t.equal(tokenMatches('s3cret-token', 'rotated'), false);
});

t.test('the limiter blocks an address after max failures within the window, per address, and forgets them after the window', async (t) => {
  const lim = new FailureLimiter(3, 10_000);
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    t.equal(lim.blockedFor('127.0.0.1', t0 + i), 0);
    lim.fail('127.0.0.1', t0 + i);
  }
  t.equal(lim.blockedFor('127.0.0.1', t0 + 5), 10, 'blocked for the rest of the window (seconds)');
  t.equal(lim.blockedFor('::1', t0 + 5), 0, 'another address is not affected');
  t.equal(lim.blockedFor('127.0.0.1', t0 + 10_001), 0, 'the oldest failure aged out: allowed again');
});

t.test('the limiter reports an address once per throttling, until its failures age out', async (t) => {
  const lim = new FailureLimiter(2, 10_000);
  const t0 = 1_000_000;
  t.equal(lim.firstThrottle('127.0.0.1', t0), false, 'an address without failures is not throttled');
  lim.fail('127.0.0.1', t0);
  lim.fail('127.0.0.1', t0 + 1);
  t.equal(lim.firstThrottle('127.0.0.1', t0 + 2), true, 'the first throttled request is reported');
  t.equal(lim.firstThrottle('127.0.0.1', t0 + 3), false, 'the next ones are not');
  lim.fail('127.0.0.1', t0 + 20_000);
  lim.fail('127.0.0.1', t0 + 20_001);
  t.equal(lim.firstThrottle('127.0.0.1', t0 + 20_002), true, 'a new throttling after the old failures aged out is reported again');
});

t.test('the limiter stays bounded in memory', async (t) => {
  const lim = new FailureLimiter(2, 60_000, 100);
  for (let i = 0; i < 1000; i++) lim.fail(`10.0.${i >> 8}.${i & 255}`, 1);
  lim.fail('10.9.9.9', 2);
  lim.fail('10.9.9.9', 3);
  t.ok(lim.blockedFor('10.9.9.9', 4) > 0, 'the newest address is still tracked');
  t.equal(lim.blockedFor('10.0.0.0', 4), 0, 'the oldest were forgotten');
});
