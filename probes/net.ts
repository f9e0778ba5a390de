// TCP reachability and the local listening-socket table. The table is read
// from /proc/net/tcp{,6} directly: it is the kernel's own answer (no `ss`
// binary needed), it works under any root prefix for mounted images, and
// systeminformation's networkConnections() shells out to ss/netstat.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { declarePerResource } from './evidence.js';
import { reasonOf } from './reason.js';

export interface TcpObservation {
  reachable: boolean;
  /** ECONNREFUSED, ETIMEDOUT, … when not reachable. */
  code: string | null;
  reason: string | null;
  durationMs: number;
}

/** A TCP connect as recorded: where it dialled, plus what a check knows of the port (broker-transport: declared TLS, WebSocket). */
export interface TcpConnectData extends TcpObservation {
  host: string;
  port: number;
  declaredTls?: boolean;
  websocket?: boolean;
}

/** `tcp <resource>`: the TCP connect to an endpoint (broker listeners, the ingest endpoint). */
export const tcpEvidence = declarePerResource<TcpConnectData>({ word: 'tcp', kind: 'tcp-connect' });

export function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpObservation> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const finish = (o: TcpObservation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(o);
    };
    const onAbort = () => finish({ reachable: false, code: 'ABORTED', reason: 'check budget ran out', durationMs: ms() });
    const timer = setTimeout(() => finish({ reachable: false, code: 'ETIMEDOUT', reason: `no TCP connection within ${timeoutMs} ms`, durationMs: ms() }), timeoutMs);
    socket.once('connect', () => finish({ reachable: true, code: null, reason: null, durationMs: ms() }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ reachable: false, code: err.code ?? null, reason: reasonOf(err), durationMs: ms() }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ListeningSocket {
  family: 4 | 6;
  address: string;
  port: number;
  /** Owning user id, from the table. */
  uid: number;
  inode: number;
}

function ipv4FromHex(hex: string): string {
  // /proc stores the address in host byte order (little-endian on ARM and x86).
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function ipv6FromHex(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const chunk = hex.slice(i, i + 8);
    const bytes = chunk.match(/../g)!.reverse().join('');
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = words.map((w) => Number.parseInt(w, 16).toString(16)).join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  const v4mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (v4mapped) {
    const hi = Number.parseInt(v4mapped[1]!, 16);
    const lo = Number.parseInt(v4mapped[2]!, 16);
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return full;
}

/** Parses /proc/net/tcp or tcp6 text; keeps sockets in state 0A (LISTEN). */
export function parseProcNetTcp(text: string, family: 4 | 6): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [addrHex, portHex] = f[1]!.split(':');
    out.push({
      family,
      address: family === 4 ? ipv4FromHex(addrHex!) : ipv6FromHex(addrHex!),
      port: Number.parseInt(portHex!, 16),
      uid: Number(f[7]),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** Listening TCP sockets as seen under `root` (`/` for the live system). Null when the table is not readable. */
export async function listeningSockets(root = '/'): Promise<{ sockets: ListeningSocket[]; source: string[] } | null> {
  const sockets: ListeningSocket[] = [];
  const source: string[] = [];
  for (const [file, family] of [['proc/net/tcp', 4], ['proc/net/tcp6', 6]] as const) {
    const path = join(root, file);
    try {
      sockets.push(...parseProcNetTcp(await readFile(path, 'utf8'), family));
      source.push(path);
    } catch {
      /* absent (e.g. no IPv6): the other table may still answer */
    }
  }
  return source.length ? { sockets, source } : null;
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.') || address === 'localhost';
}

export interface UpgradeObservation {
  path: string;
  /** HTTP status line the listener answered with, or null if it answered no HTTP at all. */
  statusLine: string | null;
  upgraded: boolean;
  /** What happened when no HTTP came back: closed, timeout, tcp error. */
  outcome: 'http' | 'closed' | 'timeout' | 'tcp';
  reason: string | null;
  durationMs: number;
}

/**
 * Sends a WebSocket upgrade request for the MQTT subprotocol over plain TCP and
 * reads only the status line (at most 4 KiB, bounded in time).
 */
export function wsUpgradeProbe(host: string, port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<UpgradeObservation> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buf = '';
    let settled = false;
    let connected = false;
    const finish = (o: Omit<UpgradeObservation, 'path' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ...o, path, durationMs: ms() });
    };
    const onAbort = () => finish({ statusLine: null, upgraded: false, outcome: 'timeout', reason: 'check budget ran out' });
    const timer = setTimeout(() => finish({ statusLine: null, upgraded: false, outcome: 'timeout', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      const key = randomBytes(16).toString('base64'); // RFC 6455 §4.1: 16 random bytes
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\nX-Pathaudit-Probe: 1\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const eol = buf.indexOf('\r\n');
      if (eol >= 0 || buf.length > 4096) {
        const statusLine = (eol >= 0 ? buf.slice(0, eol) : buf.slice(0, 200)).replace(/[^\x20-\x7e]/g, '?');
        const http = /^HTTP\/1\.[01] \d{3}/.test(statusLine);
        finish({ statusLine: http ? statusLine : null, upgraded: /^HTTP\/1\.[01] 101/.test(statusLine), outcome: http ? 'http' : 'closed', reason: http ? null : 'answered with non-HTTP bytes' });
      }
    });
    socket.once('error', (err) => finish({ statusLine: null, upgraded: false, outcome: connected ? 'closed' : 'tcp', reason: reasonOf(err) }));
    socket.once('close', () => finish({ statusLine: null, upgraded: false, outcome: 'closed', reason: 'closed without an HTTP answer' }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
