// The lab broker's own log, in the format Mosquitto 2.x writes with Debian's
// default `log_type` (error, warning, notice, information) and epoch
// timestamps, so broker-sessions reads the lab's log as it reads a real
// gateway's. Each line is appended as the event happens (synchronously, with
// O_APPEND), so a line is on disk before the client it concerns gets its
// CONNACK; the file outlives broker restarts, as a gateway's log does.
//
// The messages, as Mosquitto 2.0.11 writes them (test/fixtures/broker-logs):
//   New connection from 127.0.0.1:40122 on port 8883.
//   New client connected from 127.0.0.1:40122 as twin (p2, c1, k60, u'dev').
//   Client twin already connected, closing old connection.
//   Client <unknown> disconnected, not authorised.
//   OpenSSL Error[0]: error:0A000102:SSL routines::unsupported protocol
//   Client <unknown> disconnected: Protocol error.
//   Client twin disconnected.
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A line as written: its epoch second and the message after `<epoch>: `. */
export interface LoggedLine {
  epochS: number;
  message: string;
}

/** Mosquitto's protocol number in `(pN, …)`: 1 for MQTT 3.1, 2 for 3.1.1, 5 for 5.0. */
export const mosquittoProtocol = (protocolVersion: number) => (protocolVersion === 3 ? 1 : protocolVersion === 4 ? 2 : protocolVersion);

/** An address and port as Mosquitto prints them (`127.0.0.1:40122`, `::1:38026`: no brackets). */
export const hostPort = (host: string, port: number) => `${host.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')}:${port}`;

export const MESSAGES = {
  accepted: (host: string, port: number, listenerPort: number) => `New connection from ${hostPort(host, port)} on port ${listenerPort}.`,
  connected: (host: string, port: number, id: string, s: { protocolVersion: number; clean: boolean; keepalive: number; username: string | null }) =>
    `New client connected from ${hostPort(host, port)} as ${id} (p${mosquittoProtocol(s.protocolVersion)}, c${s.clean ? 1 : 0}, k${s.keepalive}${s.username !== null ? `, u'${s.username}'` : ''}).`,
  takeover: (id: string) => `Client ${id} already connected, closing old connection.`,
  notAuthorised: () => 'Client <unknown> disconnected, not authorised.',
  opensslError: (error: string) => `OpenSSL Error[0]: ${error}`,
  protocolError: () => 'Client <unknown> disconnected: Protocol error.',
  disconnected: (id: string) => `Client ${id} disconnected.`,
  listening: (family: 'ipv4' | 'ipv6' | 'websockets', port: number) => `Opening ${family} listen socket on port ${port}.`,
} as const;

/**
 * OpenSSL's error as Mosquitto prints it (`error:0A000102:SSL routines::unsupported
 * protocol`) from Node's TLS error, or null when the failure is not OpenSSL's
 * (a client that hung up mid-handshake).
 */
export function opensslErrorOf(err: Error & { library?: string; reason?: string }): string | null {
  const code = /error:([0-9A-F]{8}):/.exec(err.message)?.[1];
  if (!code || !err.library || !err.reason) return null;
  return `error:${code}:${err.library}::${err.reason}`;
}

export class MosquittoLog extends EventEmitter<{ line: [LoggedLine] }> {
  constructor(readonly file: string) {
    super();
    mkdirSync(dirname(file), { recursive: true });
  }

  write(message: string): LoggedLine {
    const line = { epochS: Math.floor(Date.now() / 1000), message };
    appendFileSync(this.file, `${line.epochS}: ${message}\n`);
    this.emit('line', line);
    return line;
  }
}
