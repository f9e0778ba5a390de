// One ClientHello over a raw TCP socket: send it, read the server's answer up
// to the ServerHello (or, when asked, on to ServerHelloDone), or to the
// alert, then close. Never throws; always settles within its deadline.
import net from 'node:net';
import { reasonOf } from '../reason.js';
import { ServerFlightReader, describeAlert, hexExcerpt, type Alert, type CertificateRequest, type KeyExchangeParams, type ServerHello } from './flight.js';

export interface ExchangeTarget {
  host: string;
  port: number;
  /** Deadline for this one exchange, from connect to the last byte read. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What reading on past the ServerHello (TLS ≤ 1.2) showed about client certificates. */
export type ReadOn = { done: true; certificateRequest: CertificateRequest | null; keyExchange: KeyExchangeParams | null } | { done: false; reason: string };

export type Exchange =
  | { outcome: 'server_hello'; hello: ServerHello; readOn: ReadOn | null; durationMs: number }
  | { outcome: 'alert'; alert: Alert; durationMs: number }
  | { outcome: 'error'; reason: string; excerpt?: string; durationMs: number };

/** The most the scan reads from one server answer (a certificate chain fits many times over). */
const MAX_FLIGHT_BYTES = 256 * 1024;
/** Bytes kept for the hex excerpt of an answer that is not TLS. */
const EXCERPT_BYTES = 32;

/**
 * Sends `clientHello` and reads the answer. With `readOn`, a ServerHello of
 * TLS ≤ 1.2 is followed to ServerHelloDone to see whether a
 * CertificateRequest was sent (RFC 5246 §7.3: the server's first flight).
 */
export function exchangeHello(target: ExchangeTarget, clientHello: Buffer, readOn: boolean): Promise<Exchange> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const reader = new ServerFlightReader();
    const head: Buffer[] = [];
    let headBytes = 0;
    let total = 0;
    let connected = false;
    let hello: ServerHello | null = null;
    let certificateRequest: CertificateRequest | null = null;
    let keyExchange: KeyExchangeParams | null = null;
    let settled = false;

    const finish = (r: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const excerpt = () => hexExcerpt(Buffer.concat(head), EXCERPT_BYTES);
    /** An ending before the flight completed: once a ServerHello is in, the hello stands and only reading on failed. */
    const cut = (reason: string) => {
      if (hello) finish({ outcome: 'server_hello', hello, readOn: { done: false, reason }, durationMs: ms() });
      else finish({ outcome: 'error', reason, ...(total ? { excerpt: excerpt() } : {}), durationMs: ms() });
    };
    const onAbort = () => cut('aborted: the check budget ran out');
    const timer = setTimeout(
      () => cut(`no ${hello ? 'ServerHelloDone' : 'ServerHello'} within ${target.timeoutMs} ms (${connected ? `TCP connected, ${total} byte(s) received` : 'TCP not connected'})`),
      target.timeoutMs,
    );

    const socket = net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      socket.write(clientHello);
    });
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (headBytes < EXCERPT_BYTES) {
        head.push(chunk.subarray(0, EXCERPT_BYTES - headBytes));
        headBytes += Math.min(chunk.length, EXCERPT_BYTES - headBytes);
      }
      if (total > MAX_FLIGHT_BYTES) return cut(`the server sent over ${MAX_FLIGHT_BYTES} bytes without ending its first flight`);
      for (const ev of reader.push(chunk)) {
        if (ev.kind === 'garbage') {
          if (hello) return cut(`after the ServerHello: ${ev.reason}`);
          return finish({ outcome: 'error', reason: `answer is not TLS: ${ev.reason}`, excerpt: excerpt(), durationMs: ms() });
        }
        if (ev.kind === 'alert') {
          // A warning before the ServerHello (e.g. unrecognized_name, RFC 6066 §3) does not end the handshake.
          if (ev.alert.level === 1 && ev.alert.description !== 0) continue;
          if (hello) return cut(`${describeAlert(ev.alert)} after the ServerHello`);
          return finish({ outcome: 'alert', alert: ev.alert, durationMs: ms() });
        }
        if (ev.kind !== 'handshake') continue; // ChangeCipherSpec (TLS 1.3 compatibility mode), encrypted records
        const m = ev.message;
        if (!hello) {
          if (m.type !== 'server_hello') return finish({ outcome: 'error', reason: `the first handshake message is not a ServerHello (${m.type === 'other' ? `type ${m.msgType}` : m.type})`, excerpt: excerpt(), durationMs: ms() });
          hello = m.hello;
          // TLS 1.3 encrypts everything after the ServerHello (RFC 8446 §2); a HelloRetryRequest awaits a second ClientHello.
          if (!readOn || hello.version >= 0x0304 || hello.helloRetry) return finish({ outcome: 'server_hello', hello, readOn: null, durationMs: ms() });
          continue;
        }
        if (m.type === 'certificate_request') certificateRequest = m.request;
        if (m.type === 'server_key_exchange') keyExchange = m.params;
        if (m.type === 'server_hello_done') return finish({ outcome: 'server_hello', hello, readOn: { done: true, certificateRequest, keyExchange }, durationMs: ms() });
      }
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      cut(connected ? `connection failed (${reasonOf(err)})` : `TCP connect failed (${reasonOf(err)})`);
    });
    socket.once('close', () => cut(total ? `connection closed without an alert after ${total} byte(s)` : 'connection closed without an answer or alert'));
    if (target.signal?.aborted) onAbort();
    else target.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
