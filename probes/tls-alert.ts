// TLS alerts: one registry of their names, by which both the raw scan
// (probes/tls/flight.ts) and node:tls sessions name them, and the reading of
// an alert from a node:tls error. OpenSSL turns a received alert into an
// error code such as ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED; the alert's
// wire number (RFC 8446 §6, RFC 5246 §7.2) is what evidence records, so a
// reader can match it against a packet capture or another scanner.

/** AlertDescription, RFC 5246 §7.2.2 and RFC 8446 §6. */
const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** An alert's RFC name (certificate_required), or `alert N` for a number outside the registry. */
export const alertName = (code: number): string => ALERT_NAMES[code] ?? `alert ${code}`;

/**
 * Alert numbers by the names OpenSSL gives them in its error codes: the RFC
 * names upper-cased, and OpenSSL's own spelling of user_canceled.
 */
const OPENSSL_ALERTS = new Map<string, number>([...Object.entries(ALERT_NAMES).map(([code, name]) => [name.toUpperCase(), Number(code)] as const), ['USER_CANCELLED', 90]]);

export interface TlsAlert {
  /** Alert description number on the wire. */
  code: number;
  /** RFC name, e.g. certificate_required. */
  name: string;
}

/**
 * The alert the server sent, read from a node:tls error: its code
 * (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED) or, when Node reports the write
 * that failed instead (EPROTO), OpenSSL's "SSL alert number N" in the message.
 * Null when the error is not a received alert.
 */
export function alertOf(errorCode: string | null | undefined, message = ''): TlsAlert | null {
  const byCode = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(errorCode ?? '');
  const known = byCode ? OPENSSL_ALERTS.get(byCode[1]!) : undefined;
  if (known !== undefined) return { code: known, name: alertName(known) };
  const byNumber = /SSL alert number (\d+)/.exec(message);
  if (byNumber) {
    const code = Number(byNumber[1]);
    return { code, name: alertName(code) };
  }
  return null;
}

/**
 * Alerts a server sends when a client presents no (acceptable) certificate:
 * TLS 1.3 certificate_required; TLS 1.2 handshake_failure or bad_certificate
 * after an empty Certificate message (RFC 5246 §7.4.6).
 */
export const CLIENT_CERTIFICATE_ALERTS = new Set([116, 40, 42]);

/** Alerts a server sends for a client certificate it does not trust (a certificate from another CA). */
export const UNTRUSTED_CERTIFICATE_ALERTS = new Set([42, 43, 44, 45, 46, 48, 49, 51, 116]);
