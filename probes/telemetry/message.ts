// Reading one telemetry message: JSON pointers (RFC 6901), device timestamps in
// whichever of the three common encodings a firmware chose, and a cheap payload
// fingerprint. Everything here is pure and allocation-light: it runs once per
// delivered PUBLISH.

/** A compiled RFC 6901 pointer: `/a/b~1c` → ['a', 'b/c']. The empty pointer is the whole document. */
export type CompiledPointer = readonly string[];

export function compilePointer(pointer: string): CompiledPointer {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/" (RFC 6901)`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function resolvePointer(doc: unknown, tokens: CompiledPointer): unknown {
  let cur = doc;
  for (let i = 0; i < tokens.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[tokens[i]!];
  }
  return cur;
}

/**
 * Epoch seconds below this are seconds, at or above it milliseconds: 1e11 s is
 * the year 5138, 1e11 ms is March 1973 — no real device clock sits in between.
 */
const MS_THRESHOLD = 1e11;

/** Device time in epoch ms from epoch s, epoch ms (numbers or numeric strings) or RFC 3339; NaN when unreadable. */
export function deviceTimeMs(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? (value < MS_THRESHOLD ? value * 1000 : value) : NaN;
  if (typeof value === 'string' && value.length > 0) {
    const n = Number(value);
    if (Number.isFinite(n)) return deviceTimeMs(n);
    // RFC 3339 needs a date, a time and an offset; Date.parse alone would take "2026" too.
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) return NaN;
    return Date.parse(value);
  }
  return NaN;
}

/** Sequence number as a non-negative integer, or -1 when absent or not one. */
export function sequenceOf(value: unknown): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return -1;
}

/**
 * FNV-1a (32 bit) over the payload bytes. Only used to tell an exact
 * redelivery from a different payload under the same sequence number, so a
 * 1-in-4-billion collision (a conflicting duplicate reported as exact) is an
 * acceptable price for never keeping payloads.
 */
export function payloadHash(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Topic level `level` (0-based) of an MQTT topic name, or '' when the topic is shorter. */
export function topicLevel(topic: string, level: number): string {
  let start = 0;
  for (let i = 0; i < level; i++) {
    const slash = topic.indexOf('/', start);
    if (slash < 0) return '';
    start = slash + 1;
  }
  const end = topic.indexOf('/', start);
  return end < 0 ? topic.slice(start) : topic.slice(start, end);
}

/** The default device id source: the level of the first `+` wildcard in the topic filter, or null. */
export function wildcardLevel(filter: string): number | null {
  const i = filter.split('/').indexOf('+');
  return i < 0 ? null : i;
}
