// The Mosquitto 2.x log messages broker-sessions reads, as Debian's
// Mosquitto 2.0.11 writes them (after the timestamp and `: `). Each parser
// looks at the first characters before running a pattern: most lines of a
// busy log (`Received PUBLISH …`) are passed over in a comparison or two.
//
//   New connection from 127.0.0.1:35636 on port 8883.
//   New client connected from 127.0.0.1:35694 as twin (p2, c1, k60, u'dev').
//   Client twin already connected, closing old connection.
//   Sending CONNACK to 127.0.0.1 (0, 5)                  (log_type debug only)
//   Client <unknown> disconnected, not authorised.
//   OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed
//   Client connection from 127.0.0.1 failed: error:0A000102:SSL routines::unsupported protocol.

export type LogEvent =
  | { type: 'accepted'; host: string; port: number; listenerPort: number }
  | { type: 'connected'; host: string; port: number; id: string; user: string | null; protocol: number }
  | { type: 'takeover'; id: string }
  | { type: 'refused'; target: string; code: number }
  | { type: 'not-authorised'; id: string | null }
  | { type: 'tls-error'; index: number; reason: string; host: string | null };

/** The id Mosquitto prints for a client that has not been given one (refused before CONNECT was accepted). */
export const UNKNOWN_CLIENT = '<unknown>';

/** CONNACK return codes that mean the credentials were refused: MQTT 3.1.1 §3.2.2.3 (4, 5) and MQTT 5 §3.2.2.2 (134, 135). */
export const AUTH_REFUSED_CODES: ReadonlySet<number> = new Set([4, 5, 134, 135]);

// Sticky patterns, matched from the message's start inside the whole line (no substring per line).
const ACCEPTED = /New connection from (.+):(\d+) on port (\d+)\.$/y;
const CONNECTED = /New client connected from (.+):(\d+) as (.*) \(p(\d+), c\d+, k\d+(?:, u'(.*)')?\)\.$/y;
const TAKEOVER = /Client (.*) already connected, closing old connection\.$/y;
const REFUSED = /Sending CONNACK to (.*) \((\d+), (\d+)\)$/y;
const NOT_AUTHORISED = /Client (.*) disconnected, not authorised\.$/y;
const OPENSSL = /OpenSSL Error\[(\d+)\]: (.*)$/y;
const ACCEPT_FAILED = /Client connection from (.+) failed: (.*?)\.?$/y;

function at(re: RegExp, line: string, from: number): RegExpExecArray | null {
  re.lastIndex = from;
  return re.exec(line);
}

/** `error:0A000086:SSL routines::certificate verify failed` → `certificate verify failed`. */
export function tlsReasonOf(error: string): string {
  const parts = error.split(':');
  return (parts.length >= 5 ? parts.slice(4).join(':') : error).trim() || error.trim();
}

/** The event the message at `from` in a log line reports (after the timestamp), or null for every other message. */
export function parseMessage(line: string, from = 0): LogEvent | null {
  switch (line.charCodeAt(from)) {
    case 78: {
      // 'N'ew connection / 'N'ew client connected
      if (line.startsWith('New connection from ', from)) {
        const a = at(ACCEPTED, line, from);
        return a ? { type: 'accepted', host: a[1] ?? '', port: Number(a[2]), listenerPort: Number(a[3]) } : null;
      }
      if (line.startsWith('New client connected from ', from)) {
        const a = at(CONNECTED, line, from);
        return a ? { type: 'connected', host: a[1] ?? '', port: Number(a[2]), id: a[3] ?? '', protocol: Number(a[4]), user: a[5] ?? null } : null;
      }
      return null;
    }
    case 67: {
      // 'C'lient …
      if (!line.startsWith('Client ', from)) return null;
      if (line.endsWith(' already connected, closing old connection.')) {
        const a = at(TAKEOVER, line, from);
        return a ? { type: 'takeover', id: a[1] ?? '' } : null;
      }
      if (line.endsWith(' disconnected, not authorised.')) {
        const a = at(NOT_AUTHORISED, line, from);
        return a ? { type: 'not-authorised', id: a[1] === UNKNOWN_CLIENT ? null : (a[1] ?? null) } : null;
      }
      if (line.startsWith('Client connection from ', from)) {
        const a = at(ACCEPT_FAILED, line, from);
        return a && a[2]?.startsWith('error:') ? { type: 'tls-error', index: 0, reason: tlsReasonOf(a[2]), host: a[1] ?? null } : null;
      }
      return null;
    }
    case 79: {
      // 'O'penSSL Error[n]
      const a = line.startsWith('OpenSSL Error[', from) ? at(OPENSSL, line, from) : null;
      return a ? { type: 'tls-error', index: Number(a[1]), reason: tlsReasonOf(a[2] ?? ''), host: null } : null;
    }
    case 83: {
      // 'S'ending CONNACK: only refusals of credentials matter
      const a = line.startsWith('Sending CONNACK to ', from) ? at(REFUSED, line, from) : null;
      if (!a) return null;
      const code = Number(a[3]);
      return AUTH_REFUSED_CODES.has(code) ? { type: 'refused', target: a[1] ?? '', code } : null;
    }
    default:
      return null;
  }
}

export type TlsFailureClass = 'client-certificate' | 'broker-certificate' | 'protocol';

/**
 * What a TLS failure says. The first two are certificate failures (BS-03):
 * the broker refused the client's certificate (OpenSSL 3 reports every
 * verification error — expired, unknown CA, revoked — as "certificate verify
 * failed"), or the client refused the broker's and said so in an alert. The
 * rest (wrong version, no shared cipher, a plaintext client on a TLS port)
 * is what scanners and version probes cause.
 */
export function classifyTls(reason: string): TlsFailureClass {
  if (/certificate verify failed|peer did not return a certificate|certificate (has )?expired|certificate revoked|unable to get local issuer/i.test(reason)) {
    if (/alert/i.test(reason)) return 'broker-certificate';
    return 'client-certificate';
  }
  if (/alert (unknown ca|bad certificate|certificate unknown|unsupported certificate|certificate expired|certificate revoked)/i.test(reason)) return 'broker-certificate';
  return 'protocol';
}
