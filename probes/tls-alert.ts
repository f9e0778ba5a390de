// TLS alerts as node:tls reports them. OpenSSL turns a received alert into an
// error code such as ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED; the alert's
// wire number (RFC 8446 §6, RFC 5246 §7.2) is what evidence records, so a
// reader can match it against a packet capture or another scanner.

/** Alert descriptions by name, as OpenSSL spells them in its error codes. */
const ALERTS: Record<string, number> = {
  CLOSE_NOTIFY: 0,
  UNEXPECTED_MESSAGE: 10,
  BAD_RECORD_MAC: 20,
  DECRYPTION_FAILED: 21,
  RECORD_OVERFLOW: 22,
  DECOMPRESSION_FAILURE: 30,
  HANDSHAKE_FAILURE: 40,
  NO_CERTIFICATE: 41,
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45,
  CERTIFICATE_UNKNOWN: 46,
  ILLEGAL_PARAMETER: 47,
  UNKNOWN_CA: 48,
  ACCESS_DENIED: 49,
  DECODE_ERROR: 50,
  DECRYPT_ERROR: 51,
  EXPORT_RESTRICTION: 60,
  PROTOCOL_VERSION: 70,
  INSUFFICIENT_SECURITY: 71,
  INTERNAL_ERROR: 80,
  INAPPROPRIATE_FALLBACK: 86,
  USER_CANCELLED: 90,
  NO_RENEGOTIATION: 100,
  MISSING_EXTENSION: 109,
  UNSUPPORTED_EXTENSION: 110,
  UNRECOGNIZED_NAME: 112,
  BAD_CERTIFICATE_STATUS_RESPONSE: 113,
  UNKNOWN_PSK_IDENTITY: 115,
  CERTIFICATE_REQUIRED: 116,
  NO_APPLICATION_PROTOCOL: 120,
};

export interface TlsAlert {
  /** Alert description number on the wire. */
  code: number;
  /** RFC name, e.g. certificate_required. */
  name: string;
}

const NAMES = new Map(Object.entries(ALERTS).map(([name, code]) => [code, name.toLowerCase()]));

/**
 * The alert the server sent, read from a node:tls error: its code
 * (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED) or, when Node reports the write
 * that failed instead (EPROTO), OpenSSL's "SSL alert number N" in the message.
 * Null when the error is not a received alert.
 */
export function alertOf(errorCode: string | null | undefined, message = ''): TlsAlert | null {
  const byCode = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(errorCode ?? '');
  if (byCode && ALERTS[byCode[1]!] !== undefined) return { code: ALERTS[byCode[1]!]!, name: byCode[1]!.toLowerCase() };
  const byNumber = /SSL alert number (\d+)/.exec(message);
  if (byNumber) {
    const code = Number(byNumber[1]);
    return { code, name: NAMES.get(code) ?? `alert ${code}` };
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
