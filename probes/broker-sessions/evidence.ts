// broker-sessions' evidence, declared once: what collect records and
// evaluate reads (kinds, keys, resource ids and the shape of the data).
// Counters only, and a bounded sample of lines: never the log itself.
import { declareEvidence, type Observation } from '../evidence.js';
import type { TlsFailureClass } from './mosquitto.js';

export interface LogFileFacts {
  path: string;
  role: 'current' | 'rotated';
  state: 'read' | 'absent' | 'failed';
  /** Why the file was not read (absent, unreadable, a directory, binary, too big). */
  reason: string | null;
  compressed: boolean;
  /** Bytes of log text read (decompressed). */
  bytes: number;
  lines: number;
  /** Time of the first and last line with a readable timestamp (ISO 8601). */
  firstLineAt: string | null;
  lastLineAt: string | null;
}

export interface LineCounts {
  /** Every line read, blank ones aside. */
  total: number;
  /** Lines inside the window and outside every pathaudit run: what the controls judge. */
  judged: number;
  beforeWindow: number;
  /** Stamped later than the end of the window (a clock that jumped). */
  afterWindow: number;
  /** Lines without a readable timestamp: passed over. */
  oddTimestamp: number;
  /** Lines longer than the reader keeps (cut, passed over). */
  tooLong: number;
  /** Inside the window but inside a pathaudit run: the probe's own traffic. */
  inRunWindows: number;
  /** Sessions of the probe's own client ids (pathaudit-probe-…) outside any run window. */
  probeSessions: number;
}

export interface ScanFacts {
  files: LogFileFacts[];
  window: { hours: number; from: string; to: string };
  /** How timestamps were read: auto-detected or the configured format. */
  timestamps: string;
  lines: LineCounts;
  /** A few of the lines whose timestamp could not be read (redacted, cut to 200 characters). */
  oddSamples: string[];
  /** The pathaudit runs whose lines were left out (all of them counted, the latest listed). */
  runWindows: { count: number; listed: Array<{ startedAt: string; finishedAt: string | null }> };
  /** Earliest line read: when it is after the window's start, the log does not cover the whole window. */
  coversFrom: string | null;
  limits: { maxBytes: number; maxTracked: number };
}

export interface ClientFacts {
  id: string;
  connects: number;
  takeovers: number;
  /** Refusals logged under this id (Mosquitto 2.0 logs most as <unknown>: see peers). */
  authFailures: number;
  addresses: string[];
  users: string[];
  firstAt: string;
  lastAt: string;
  /** The client's latest `New client connected` line (redacted). */
  sample: string;
}

export interface PeerFacts {
  address: string;
  connects: number;
  authFailures: number;
  tls: Record<TlsFailureClass, number>;
  /** OpenSSL reasons and how often each was seen. */
  tlsReasons: Record<string, number>;
}

export interface SessionFacts {
  clients: ClientFacts[];
  peers: PeerFacts[];
  /** Ids and addresses seen beyond the tracking limit: counted, not tracked. */
  untrackedClients: number;
  untrackedPeers: number;
  totals: { connects: number; takeovers: number; authFailures: number; tlsCertificateFailures: number; tlsProtocolFailures: number };
  /** Auth or TLS failures no address could be attributed to (no preceding connection line). */
  unattributed: number;
  /** The latest matching lines of each kind (redacted). */
  samples: { takeovers: string[]; authFailures: string[]; tlsFailures: string[] };
}

export type ScanObservation = Observation<ScanFacts>;

/** The log as a whole: controls that find nothing to report pass on it. */
export const LOG_RESOURCE = 'broker-log';

export const scanEvidence = declareEvidence<ScanObservation>({ key: 'log-scan', kind: 'broker-log-scan', resource: LOG_RESOURCE });
export const sessionsEvidence = declareEvidence<SessionFacts>({ key: 'sessions', kind: 'broker-log-sessions', resource: LOG_RESOURCE });

export const clientResource = (id: string) => `client ${id}`;
export const peerResource = (address: string) => `peer ${address}`;
/** Where a failure came from when no address could be told. */
export const UNATTRIBUTED = '(unknown)';
