// Reading the broker's log: the rotated file first (`.1`, or `.1.gz` as
// Debian's logrotate leaves it), then the current one, streamed chunk by
// chunk into the scanner. Nothing but the current partial line is held: a
// line longer than MAX_LINE is cut and counted, so a file without newlines
// cannot fill memory (readline would buffer it whole).
//
// Before a byte is read the file must be a regular file (a FIFO would block,
// a directory cannot be read), within the size cap, and start like text.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { errnoOf, reasonOf } from '../reason.js';
import type { LogFileFacts } from './evidence.js';
import type { LogScanner } from './scanner.js';

/** Longest line kept; Mosquitto's longest lines (a PUBLISH with a long topic) stay far below. */
export const MAX_LINE = 64 * 1024;
const CHUNK = 1024 * 1024;
/** Bytes sniffed for binary content. */
const SNIFF = 8192;

export class LogTooBig extends Error {}

/** Share of bytes in the first SNIFF that are neither text nor common whitespace above which a file is not a log. */
const BINARY_SHARE = 0.1;

/** Why the first bytes are not a text log, or null. */
export function binaryReason(head: Uint8Array): string | null {
  if (head.length === 0) return null;
  let odd = 0;
  for (const b of head) if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) odd++;
  if (head.includes(0) && odd / head.length > BINARY_SHARE)
    return `not a text log: ${Math.round((odd / head.length) * 100)} % of its first ${head.length} bytes are NUL or control bytes`;
  return null;
}

async function sniff(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF);
    const { bytesRead } = await fh.read(buf, 0, SNIFF, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Feeds every line of a byte stream to the scanner (latin1: one character per
 * byte). Counts bytes against `budget` and stops with LogTooBig past it.
 */
async function feed(stream: AsyncIterable<Buffer>, scanner: LogScanner, budget: { left: number }, signal: AbortSignal): Promise<number> {
  let carry = '';
  let cutting = false;
  let bytes = 0;
  for await (const chunk of stream) {
    signal.throwIfAborted();
    bytes += chunk.length;
    budget.left -= chunk.length;
    if (budget.left < 0) throw new LogTooBig();
    const text = chunk.toString('latin1');
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      if (cutting) cutting = false;
      else {
        let line = carry ? carry + text.slice(start, nl) : text.slice(start, nl);
        carry = '';
        if (line.length > MAX_LINE) scanner.tooLong();
        else {
          if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
          scanner.line(line);
        }
      }
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (!cutting) {
      carry += text.slice(start);
      if (carry.length > MAX_LINE) {
        scanner.tooLong();
        carry = '';
        cutting = true;
      }
    }
  }
  if (carry && !cutting) scanner.line(carry.endsWith('\r') ? carry.slice(0, -1) : carry);
  return bytes;
}

const MiB = (n: number) => `${Math.round((n / 1048576) * 10) / 10} MiB`;

/**
 * Reads one log file into the scanner. Never throws for the file's sake:
 * what went wrong is the record's `reason` (absent, a directory, binary,
 * unreadable, too big). Aborts (the check's budget) do throw.
 */
export async function readLogFile(
  path: string,
  role: LogFileFacts['role'],
  scanner: LogScanner,
  budget: { left: number; maxBytes: number; key: string },
  signal: AbortSignal,
): Promise<LogFileFacts> {
  const compressed = path.endsWith('.gz');
  const facts: LogFileFacts = { path, role, state: 'read', reason: null, compressed, bytes: 0, lines: 0, firstLineAt: null, lastLineAt: null };
  const fail = (state: 'absent' | 'failed', reason: string): LogFileFacts => ({ ...facts, state, reason });
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) return fail('failed', `${path} is a directory, not a log file`);
    if (!s.isFile()) return fail('failed', `${path} is not a regular file (a FIFO or device would never end)`);
    size = s.size;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return fail('absent', `${path} does not exist`);
    return fail('failed', `cannot stat ${path}: ${reasonOf(err)}`);
  }
  const cap = `${budget.key} (${MiB(budget.maxBytes)})`;
  if (budget.left <= 0) return fail('failed', `${path} was not read: the rotated file before it used all of ${cap}; raise it or rotate the log more often`);
  if (!compressed && size > budget.left) {
    const room = budget.left === budget.maxBytes ? cap : `the ${MiB(budget.left)} the rotated file left of ${cap}`;
    return fail('failed', `${path} is ${MiB(size)}: more than ${room}; raise it or rotate the log more often`);
  }
  try {
    const head = await sniff(path);
    const binary = compressed ? null : binaryReason(head);
    if (binary) return fail('failed', `${path}: ${binary}`);
  } catch (err) {
    return fail('failed', `cannot read ${path}: ${reasonOf(err)}${errnoOf(err) === 'EACCES' ? ' (give the pathaudit user read access, e.g. the group that owns the log)' : ''}`);
  }
  scanner.startFile();
  const file = createReadStream(path, { highWaterMark: CHUNK });
  const stream = compressed ? file.pipe(createGunzip({ chunkSize: CHUNK })) : file;
  // pipe() does not pass a read error on: the gunzip stream would wait forever.
  if (stream !== file) file.once('error', (err) => stream.destroy(err));
  const onAbort = () => file.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    facts.bytes = await feed(stream, scanner, budget, signal);
    return { ...facts, ...scanner.endFile() };
  } catch (err) {
    signal.throwIfAborted();
    const read = scanner.endFile();
    if (err instanceof LogTooBig)
      return { ...fail('failed', `${path} holds more than the ${MiB(budget.maxBytes)} of ${budget.key}${compressed ? ' once decompressed' : ''}: the lines read so far are not judged alone`), ...read };
    return { ...fail('failed', `reading ${path}: ${reasonOf(err)}`), ...read };
  } finally {
    signal.removeEventListener('abort', onAbort);
    file.destroy();
    if (stream !== file) stream.destroy();
  }
}
