// The log scanner: pure, no I/O, bounded state. Lines go in one at a time (as
// latin1 strings: one character per byte, so no decoding cost per line and no
// loss; ids and kept lines are decoded as UTF-8 when they carry non-ASCII);
// counters per client id and per address come out, with the latest few
// matching lines of each kind.
//
// Mosquitto 2.0 logs an authentication refusal as `Client <unknown>
// disconnected, not authorised.` and a TLS failure as `OpenSSL Error[0]: …`,
// neither naming the peer: the address is taken from the CONNACK refusal just
// before (log_type debug) or else from the latest connection accepted and not
// yet accounted for (Mosquitto is single-threaded: a refusal follows its
// connection closely).
import { classifyTls, parseMessage, type LogEvent } from './mosquitto.js';
import type { ClientFacts, LineCounts, PeerFacts, SessionFacts } from './evidence.js';
import { UNATTRIBUTED } from './evidence.js';
import { redactLine } from './redact.js';
import { PROBE_CLIENT_PREFIX } from './settings.js';
import type { TimestampReader } from './timestamps.js';
import { compareText } from '../compare.js';

/** Latest matching lines kept per kind. */
export const SAMPLES = 20;
/** Lines with odd timestamps quoted in the evidence. */
export const ODD_SAMPLES = 5;
/** Characters kept of a quoted line. */
const QUOTE_CHARS = 200;
/** Accepted connections remembered while waiting for what became of them. */
const PENDING = 64;
/** A pending connection older than this has closed without a line we read. */
const PENDING_MAX_AGE_S = 60;
/** OpenSSL reasons counted per address. */
const REASONS = 16;
/** Distinct untracked ids and addresses remembered for counting; beyond it the count is a lower bound. */
const UNTRACKED_COUNTED = 100_000;

export interface ScannerOptions {
  timestamps: TimestampReader;
  /** Window, epoch seconds (inclusive). */
  fromS: number;
  toS: number;
  /** Run windows as [start, end] epoch seconds, end Infinity while running. */
  runWindows: Array<[number, number]>;
  /** Client ids and addresses tracked; more are counted only. */
  maxTracked: number;
}

export interface FileStats {
  lines: number;
  firstLineAt: string | null;
  lastLineAt: string | null;
}

const NON_ASCII = /[\x80-\xff]/;
/** Latin1-read text back to what the broker wrote (UTF-8). */
export const utf8 = (s: string) => (NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s);
const quote = (line: string) => {
  const text = redactLine(utf8(line));
  return text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text;
};
const iso = (epochS: number) => new Date(epochS * 1000).toISOString();
const isAddress = (s: string) => /^(\d{1,3}\.){3}\d{1,3}$/.test(s) || /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/.test(s);

class Ring {
  readonly items: string[] = [];
  push(line: string): void {
    this.items.push(quote(line));
    if (this.items.length > SAMPLES) this.items.shift();
  }
}

interface ClientState {
  id: string;
  connects: number;
  takeovers: number;
  authFailures: number;
  addresses: Set<string>;
  users: Set<string>;
  firstS: number;
  lastS: number;
  sample: string;
}

/** Merges overlapping windows and sorts them, for a binary search per line. */
export function mergeWindows(windows: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const w of sorted) {
    const last = out.at(-1);
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else out.push([w[0], w[1]]);
  }
  return out;
}

export class LogScanner {
  readonly #o: ScannerOptions;
  readonly #windows: Array<[number, number]>;
  readonly #counts: LineCounts = { total: 0, judged: 0, beforeWindow: 0, afterWindow: 0, oddTimestamp: 0, tooLong: 0, inRunWindows: 0, probeSessions: 0 };
  readonly #odd: string[] = [];
  readonly #clients = new Map<string, ClientState>();
  readonly #peers = new Map<string, PeerFacts>();
  readonly #untrackedClients = new Set<string>();
  readonly #untrackedPeers = new Set<string>();
  readonly #totals = { connects: 0, takeovers: 0, authFailures: 0, tlsCertificateFailures: 0, tlsProtocolFailures: 0 };
  #unattributed = 0;
  readonly #samples = { takeovers: new Ring(), authFailures: new Ring(), tlsFailures: new Ring() };
  /** Accepted connections not yet accounted for: [host, port, epoch s]. */
  readonly #pending: Array<{ host: string; port: number; epochS: number }> = [];
  #refused: { target: string; epochS: number } | null = null;
  #earliestS = Infinity;
  #file: FileStats = { lines: 0, firstLineAt: null, lastLineAt: null };
  #fileFirstS = NaN;
  #fileLastS = NaN;

  constructor(opts: ScannerOptions) {
    this.#o = opts;
    this.#windows = mergeWindows(opts.runWindows);
  }

  startFile(): void {
    this.#file = { lines: 0, firstLineAt: null, lastLineAt: null };
    this.#fileFirstS = NaN;
    this.#fileLastS = NaN;
  }

  endFile(): FileStats {
    return {
      lines: this.#file.lines,
      firstLineAt: Number.isNaN(this.#fileFirstS) ? null : iso(this.#fileFirstS),
      lastLineAt: Number.isNaN(this.#fileLastS) ? null : iso(this.#fileLastS),
    };
  }

  /** A line the reader had to cut (longer than it keeps): counted, passed over. */
  tooLong(): void {
    this.#counts.total++;
    this.#counts.tooLong++;
    this.#file.lines++;
  }

  line(text: string): void {
    if (text.length === 0) return;
    this.#counts.total++;
    this.#file.lines++;
    const stamp = this.#o.timestamps.read(text);
    if (!stamp) {
      this.#counts.oddTimestamp++;
      if (this.#odd.length < ODD_SAMPLES) this.#odd.push(quote(text));
      return;
    }
    const t = stamp.epochS;
    if (Number.isNaN(this.#fileFirstS)) this.#fileFirstS = t;
    this.#fileLastS = t;
    if (t < this.#earliestS) this.#earliestS = t;
    if (t < this.#o.fromS) {
      this.#counts.beforeWindow++;
      return;
    }
    const event = parseMessage(text, stamp.messageAt);
    let judged = true;
    if (this.#inRunWindow(t)) {
      this.#counts.inRunWindows++;
      judged = false;
    } else if (t > this.#o.toS) {
      this.#counts.afterWindow++;
      judged = false;
    } else this.#counts.judged++;
    // What happened to earlier connections is followed even outside the judged
    // lines, so a refusal is never pinned on the wrong connection.
    if (event) this.#event(event, t, text, judged);
  }

  #inRunWindow(t: number): boolean {
    const w = this.#windows;
    let lo = 0;
    let hi = w.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const win = w[mid];
      if (!win) break;
      if (t < win[0]) hi = mid - 1;
      else if (t > win[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  #client(id: string): ClientState | null {
    let c = this.#clients.get(id);
    if (c) return c;
    if (this.#clients.size >= this.#o.maxTracked) {
      if (this.#untrackedClients.size < UNTRACKED_COUNTED) this.#untrackedClients.add(id);
      return null;
    }
    c = { id, connects: 0, takeovers: 0, authFailures: 0, addresses: new Set(), users: new Set(), firstS: Infinity, lastS: -Infinity, sample: '' };
    this.#clients.set(id, c);
    return c;
  }

  #peer(address: string): PeerFacts | null {
    let p = this.#peers.get(address);
    if (p) return p;
    if (this.#peers.size >= this.#o.maxTracked) {
      if (this.#untrackedPeers.size < UNTRACKED_COUNTED) this.#untrackedPeers.add(address);
      return null;
    }
    p = { address, connects: 0, authFailures: 0, tls: { 'client-certificate': 0, 'broker-certificate': 0, protocol: 0 }, tlsReasons: {} };
    this.#peers.set(address, p);
    return p;
  }

  /** The newest connection still waiting for an outcome (optionally from one host), taken off the list. */
  #takePending(host?: string): string | null {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const p = this.#pending[i];
      if (p && (host === undefined || p.host === host)) {
        this.#pending.splice(i, 1);
        return p.host;
      }
    }
    return null;
  }

  #event(e: LogEvent, t: number, line: string, judged: boolean): void {
    switch (e.type) {
      case 'accepted': {
        while (this.#pending.length && ((this.#pending[0]?.epochS ?? t) < t - PENDING_MAX_AGE_S || this.#pending.length >= PENDING)) this.#pending.shift();
        this.#pending.push({ host: e.host, port: e.port, epochS: t });
        return;
      }
      case 'connected': {
        const i = this.#pending.findIndex((p) => p.host === e.host && p.port === e.port);
        if (i >= 0) this.#pending.splice(i, 1);
        if (!judged) return;
        const id = utf8(e.id);
        if (id.startsWith(PROBE_CLIENT_PREFIX)) {
          this.#counts.probeSessions++;
          return;
        }
        this.#totals.connects++;
        const peer = this.#peer(e.host);
        if (peer) peer.connects++;
        const c = this.#client(id);
        if (!c) return;
        c.connects++;
        if (c.addresses.size < 8) c.addresses.add(e.host);
        if (e.user !== null && c.users.size < 4) c.users.add(utf8(e.user));
        if (t < c.firstS) c.firstS = t;
        if (t > c.lastS) c.lastS = t;
        c.sample = quote(line);
        return;
      }
      case 'takeover': {
        if (!judged) return;
        const id = utf8(e.id);
        if (id.startsWith(PROBE_CLIENT_PREFIX)) {
          this.#counts.probeSessions++;
          return;
        }
        this.#totals.takeovers++;
        this.#samples.takeovers.push(line);
        const c = this.#client(id);
        if (c) c.takeovers++;
        return;
      }
      case 'refused':
        this.#refused = { target: e.target, epochS: t };
        return;
      case 'not-authorised': {
        const refused = this.#refused && this.#refused.epochS >= t - 1 ? this.#refused.target : null;
        this.#refused = null;
        const host = refused !== null && isAddress(refused) ? this.#takePending(refused) ?? refused : this.#takePending();
        const id = e.id ?? (refused !== null && !isAddress(refused) ? refused : null);
        if (!judged) return;
        this.#totals.authFailures++;
        this.#samples.authFailures.push(line);
        if (host === null) this.#unattributed++;
        const peer = this.#peer(host ?? UNATTRIBUTED);
        if (peer) peer.authFailures++;
        if (id !== null && !id.startsWith(PROBE_CLIENT_PREFIX)) {
          const c = this.#client(utf8(id));
          if (c) c.authFailures++;
        }
        return;
      }
      case 'tls-error': {
        // OpenSSL Error[1], [2]… continue the failure Error[0] reported.
        if (e.index > 0) return;
        const host = e.host ?? this.#takePending();
        if (!judged) return;
        const kind = classifyTls(e.reason);
        if (kind === 'protocol') this.#totals.tlsProtocolFailures++;
        else {
          this.#totals.tlsCertificateFailures++;
          this.#samples.tlsFailures.push(line);
        }
        if (host === null) this.#unattributed++;
        const peer = this.#peer(host ?? UNATTRIBUTED);
        if (!peer) return;
        peer.tls[kind]++;
        const reason = utf8(e.reason).slice(0, 120);
        if (reason in peer.tlsReasons || Object.keys(peer.tlsReasons).length < REASONS) peer.tlsReasons[reason] = (peer.tlsReasons[reason] ?? 0) + 1;
        return;
      }
    }
  }

  counts(): LineCounts {
    return { ...this.#counts };
  }

  oddSamples(): string[] {
    return [...this.#odd];
  }

  /** Earliest stamped line read, ISO 8601, or null. */
  coversFrom(): string | null {
    return Number.isFinite(this.#earliestS) ? iso(this.#earliestS) : null;
  }

  sessions(): SessionFacts {
    const clients: ClientFacts[] = [...this.#clients.values()]
      .sort((a, b) => compareText(a.id, b.id))
      .map((c) => ({
        id: c.id,
        connects: c.connects,
        takeovers: c.takeovers,
        authFailures: c.authFailures,
        addresses: [...c.addresses],
        users: [...c.users],
        firstAt: Number.isFinite(c.firstS) ? iso(c.firstS) : '',
        lastAt: Number.isFinite(c.lastS) ? iso(c.lastS) : '',
        sample: c.sample,
      }));
    const peers = [...this.#peers.values()].sort((a, b) => compareText(a.address, b.address));
    return {
      clients,
      peers,
      untrackedClients: this.#untrackedClients.size,
      untrackedPeers: this.#untrackedPeers.size,
      totals: { ...this.#totals },
      unattributed: this.#unattributed,
      samples: { takeovers: [...this.#samples.takeovers.items], authFailures: [...this.#samples.authFailures.items], tlsFailures: [...this.#samples.tlsFailures.items] },
    };
  }
}
