// A fast path for the common telemetry payload: a flat JSON object whose
// sequence, timestamp (and device id) are top-level members. It reads just
// those members straight from the bytes, without decoding the whole payload
// or building an object, which is where JSON.parse spends its time.
//
// It must agree with JSON.parse exactly: whenever the payload holds anything
// it does not validate itself (escapes in keys, a nested object or array,
// non-ASCII text in a wanted string, anything malformed), it returns null and
// the caller falls back to JSON.parse. test/probes/telemetry/flatjson.test.ts
// checks the agreement differentially.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Wanted member names, pre-encoded. */
export interface FlatKeys {
  names: Uint8Array[];
}

export function flatKeys(names: string[]): FlatKeys {
  return { names: names.map((n) => new TextEncoder().encode(n)) };
}

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && isWs(b[i]!)) i++;
  return i;
}

/** End of a JSON number starting at i (RFC 8259 §6 grammar), or -1. */
function numberEnd(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (i < b.length && b[i]! >= 0x31 && b[i]! <= 0x39) while (i < b.length && isDigit(b[i]!)) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i] ?? 0)) return -1;
    while (i < b.length && isDigit(b[i]!)) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i] ?? 0)) return -1;
    while (i < b.length && isDigit(b[i]!)) i++;
  }
  return i;
}

/** End (after the closing quote) of a JSON string starting at the opening quote i, or -1. */
function stringEnd(b: Uint8Array, i: number, escapesAllowed: boolean): number {
  i++;
  while (i < b.length) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1; // raw control characters are not allowed in JSON strings
    if (c === BACKSLASH) {
      if (!escapesAllowed) return -1;
      const e = b[i + 1];
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) if (!/[0-9a-fA-F]/.test(String.fromCharCode(b[i + k] ?? 0))) return -1;
        i += 6;
        continue;
      }
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

function literalEnd(b: Uint8Array, i: number): number {
  for (const lit of LITERALS) {
    let k = 0;
    while (k < lit.length && b[i + k] === lit[k]) k++;
    if (k === lit.length) return i + k;
  }
  return -1;
}
const LITERALS = ['true', 'false', 'null'].map((s) => new TextEncoder().encode(s));

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Plain integers (sequence numbers, epoch ms) are summed digit by digit; anything else goes through Number(). */
function numberValue(b: Uint8Array, from: number, to: number): number {
  if (to - from > 15) return Number(ascii(b, from, to));
  let i = from;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  let n = 0;
  for (; i < to; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) return Number(ascii(b, from, to));
    n = n * 10 + (c - 0x30);
  }
  return negative ? -n : n;
}

function keyIndex(b: Uint8Array, from: number, to: number, keys: FlatKeys): number {
  const len = to - from;
  outer: for (let k = 0; k < keys.names.length; k++) {
    const n = keys.names[k]!;
    if (n.length !== len) continue;
    for (let i = 0; i < len; i++) if (b[from + i] !== n[i]) continue outer;
    return k;
  }
  return -1;
}

/**
 * Values of the wanted top-level members (undefined when absent or not a
 * number/string, as a pointer into JSON.parse's result would give for our
 * readers), or null when the payload is not something this fast path
 * validates (the caller then uses JSON.parse).
 */
export function readFlat(b: Uint8Array, keys: FlatKeys, out: unknown[]): boolean {
  for (let k = 0; k < out.length; k++) out[k] = undefined;
  let i = skipWs(b, 0);
  if (b[i] !== OPEN) return false;
  i = skipWs(b, i + 1);
  if (b[i] === CLOSE) return skipWs(b, i + 1) === b.length;
  for (;;) {
    if (b[i] !== QUOTE) return false;
    const keyEnd = stringEnd(b, i, false);
    if (keyEnd < 0) return false;
    const k = keyIndex(b, i + 1, keyEnd - 1, keys);
    i = skipWs(b, keyEnd);
    if (b[i] !== COLON) return false;
    i = skipWs(b, i + 1);
    const c = b[i];
    let end: number;
    if (c === QUOTE) {
      end = stringEnd(b, i, k < 0);
      if (end < 0) return false;
      if (k >= 0) {
        for (let j = i + 1; j < end - 1; j++) if (b[j]! >= 0x80) return false; // non-ASCII: let the decoder handle it
        out[k] = ascii(b, i + 1, end - 1);
      }
    } else if (c === 0x2d || isDigit(c ?? 0)) {
      end = numberEnd(b, i);
      if (end < 0) return false;
      if (k >= 0) out[k] = numberValue(b, i, end);
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      end = literalEnd(b, i);
      if (end < 0) return false;
      if (k >= 0) out[k] = undefined;
    } else return false; // nested object or array, or garbage: JSON.parse decides
    i = skipWs(b, end);
    if (b[i] === COMMA) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] === CLOSE) return skipWs(b, i + 1) === b.length;
    return false;
  }
}
