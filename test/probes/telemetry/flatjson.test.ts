// The flat-payload fast path must agree with JSON.parse on every input: it
// either reads the same member values or declines (and JSON.parse decides).
import t from 'tap';
import { flatKeys, readFlat } from '../../../probes/telemetry/flatjson.js';

let state = 20261126;
const rnd = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const VALUES = [
  () => Math.floor(rnd() * 1e6),
  () => Date.now() + Math.floor(rnd() * 1e6),
  () => -Math.floor(rnd() * 100),
  () => rnd() * 100,
  () => 1.5e21,
  () => 0,
  () => 'stm32-01',
  () => '2026-11-26T12:00:00Z',
  () => 'tempé',
  () => 'with "quotes" and \\ backslash',
  () => '\u0001',
  () => true,
  () => null,
  () => ({ nested: 1 }),
  () => [1, 2],
];
const KEYS = ['seq', 'ts', 'id', 't', 'rh', 'se"q', 'séq'];
const WS = ['', ' ', '\n', '\t ', '\r\n'];

function payload(): string {
  const n = Math.floor(rnd() * 6);
  const members: string[] = [];
  for (let i = 0; i < n; i++) members.push(`${pick(WS)}${JSON.stringify(pick(KEYS))}${pick(WS)}:${pick(WS)}${JSON.stringify(pick(VALUES)())}${pick(WS)}`);
  return `${pick(WS)}{${members.join(',')}}${pick(WS)}`;
}

function mutate(s: string): string {
  const i = Math.floor(rnd() * (s.length + 1));
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return s.slice(0, i);
    case 1:
      return s.slice(0, i) + pick([',', '}', '{', '"', ':', '0', '-', '.', 'e', ' ', '[', '\\', 'x']) + s.slice(i);
    case 2:
      return s.slice(0, i) + s.slice(i + 1);
    case 3:
      return s.replace(/(\d)(\d)/, '$1.$2.');
    default:
      return s.replace(/:\s*(\d)/, ':0$1');
  }
}

const wanted = ['seq', 'ts', 'id'];
const keys = flatKeys(wanted);
const readable = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? v : undefined);

t.test('readFlat agrees with JSON.parse on 20,000 generated and mutated payloads', async (t) => {
  let fast = 0;
  let mismatches = 0;
  const examples: string[] = [];
  for (let n = 0; n < 20_000; n++) {
    const text = n % 2 ? mutate(payload()) : payload();
    const bytes = new TextEncoder().encode(text);
    const out: unknown[] = [undefined, undefined, undefined];
    const ok = readFlat(bytes, keys, out);
    let doc: unknown;
    let valid = true;
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      valid = false;
    }
    if (!ok) continue;
    fast++;
    const expected = wanted.map((k) => (valid && doc && typeof doc === 'object' && !Array.isArray(doc) ? readable((doc as Record<string, unknown>)[k]) : 'INVALID'));
    if (!valid || !expected.every((v, i) => Object.is(v, out[i]))) {
      mismatches++;
      if (examples.length < 5) examples.push(`${JSON.stringify(text)} → fast ${JSON.stringify(out)}, JSON.parse ${JSON.stringify(expected)}`);
    }
  }
  t.equal(mismatches, 0, examples.join('\n'));
  t.ok(fast > 5_000, `the fast path took ${fast} of 20,000 payloads`);
});

t.test('readFlat reads the usual device payload and declines nested or escaped values', async (t) => {
  const out: unknown[] = [];
  t.ok(readFlat(new TextEncoder().encode('{"seq":42,"ts":1764158400123,"t":21.5,"id":"stm32-01"}'), keys, out));
  t.same(out, [42, 1764158400123, 'stm32-01']);
  t.notOk(readFlat(new TextEncoder().encode('{"seq":{"n":1}}'), keys, out), 'nested object: JSON.parse decides');
  t.notOk(readFlat(new TextEncoder().encode('{"id":"a\\u0041"}'), keys, out), 'escaped wanted string: JSON.parse decides');
  t.notOk(readFlat(new TextEncoder().encode('{"seq":01}'), keys, out), 'leading zero is not JSON');
});
