// broker-sessions judgement: a pure function of the log scan (counters per
// client id and address) and the thresholds and inventory in the config.
import type { ControlResult, EvaluateInput } from '../types.js';
import { controls } from './controls.js';
import {
  clientResource,
  LOG_RESOURCE,
  peerResource,
  scanEvidence,
  sessionsEvidence,
  type ClientFacts,
  type PeerFacts,
  type ScanFacts,
  type SessionFacts,
} from './evidence.js';
import { inventoryClientIds, sessionSettings, type SessionSettings } from './settings.js';
import { plural } from '../words.js';

const list = (xs: string[], max = 4) => `${xs.slice(0, max).join(', ')}${xs.length > max ? `, … (${xs.length} in all)` : ''}`;
const everyControl = (status: 'error' | 'skipped', detail: string, evidence: string[]): ControlResult[] =>
  controls.map((c) => ({ control: c.id, resource: LOG_RESOURCE, status, detail, evidence }));

/** The window in words, with how much of it the log covers. */
function windowWords(scan: ScanFacts): string {
  const covers = scan.coversFrom && scan.coversFrom > scan.window.from ? `; the log only goes back to ${scan.coversFrom}` : '';
  const own = scan.lines.inRunWindows ? `; ${plural(scan.lines.inRunWindows, 'line')} inside pathaudit runs left out` : '';
  return `${plural(scan.lines.judged, 'log line')} of the last ${scan.window.hours} h${own}${covers}`;
}

const where = (c: ClientFacts) => `${c.addresses.length ? ` from ${list(c.addresses)}` : ''}${c.users.length ? ` as user ${list(c.users)}` : ''}`;

function judgeTakeovers(s: SessionFacts, scan: ScanFacts, keys: string[]): ControlResult[] {
  const taken = s.clients.filter((c) => c.takeovers > 0);
  if (taken.length)
    return taken.map((c) => ({
      control: 'BS-01',
      resource: clientResource(c.id),
      status: 'fail',
      detail: `client id ${c.id} was taken over ${plural(c.takeovers, 'time')} ("already connected, closing old connection"); it connected ${plural(c.connects, 'time')}${where(c)}`,
      evidence: keys,
    }));
  return [{ control: 'BS-01', resource: LOG_RESOURCE, status: 'pass', detail: `no client-id takeover in ${windowWords(scan)} (${plural(s.totals.connects, 'connection')})`, evidence: keys }];
}

function judgeAuthFailures(s: SessionFacts, scan: ScanFacts, set: SessionSettings, keys: string[]): ControlResult[] {
  const threshold = set.authFailureThreshold;
  const out: ControlResult[] = [];
  for (const p of s.peers.filter((x) => x.authFailures >= threshold))
    out.push({ control: 'BS-02', resource: peerResource(p.address), status: 'fail', detail: `${plural(p.authFailures, 'refused login')} from ${p.address} in the window (threshold ${threshold}; broker.auth_failure_threshold)`, evidence: keys });
  for (const c of s.clients.filter((x) => x.authFailures >= threshold))
    out.push({ control: 'BS-02', resource: clientResource(c.id), status: 'fail', detail: `${plural(c.authFailures, 'refused login')} under client id ${c.id} (threshold ${threshold})`, evidence: keys });
  if (out.length) return out;
  const worst = [...s.peers].sort((a, b) => b.authFailures - a.authFailures)[0];
  const most = worst && worst.authFailures ? `; most from one address: ${worst.authFailures} (${worst.address})` : '';
  return [{ control: 'BS-02', resource: LOG_RESOURCE, status: 'pass', detail: `${plural(s.totals.authFailures, 'refused login')} in ${windowWords(scan)}${most}; threshold ${threshold} per address or client id`, evidence: keys }];
}

const certificateFailures = (p: PeerFacts) => p.tls['client-certificate'] + p.tls['broker-certificate'];

function judgeTlsFailures(s: SessionFacts, scan: ScanFacts, set: SessionSettings, keys: string[]): ControlResult[] {
  const threshold = set.tlsFailureThreshold;
  const failing = s.peers.filter((p) => certificateFailures(p) >= threshold);
  const protocol = s.totals.tlsProtocolFailures ? `; ${plural(s.totals.tlsProtocolFailures, 'protocol-level handshake failure')} (wrong version, no shared cipher: scanners and probes) not counted` : '';
  if (failing.length)
    return failing.map((p) => {
      const reasons = Object.entries(p.tlsReasons)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} ×${n}`);
      const sides = [p.tls['client-certificate'] ? `${p.tls['client-certificate']} with the client's certificate refused` : '', p.tls['broker-certificate'] ? `${p.tls['broker-certificate']} with the broker's certificate refused by the client` : '']
        .filter(Boolean)
        .join(', ');
      return {
        control: 'BS-03',
        resource: peerResource(p.address),
        status: 'fail' as const,
        detail: `${plural(certificateFailures(p), 'TLS certificate failure')} from ${p.address} (${sides}; threshold ${threshold}; broker.tls_failure_threshold): ${list(reasons)}`,
        evidence: keys,
      };
    });
  return [
    {
      control: 'BS-03',
      resource: LOG_RESOURCE,
      status: 'pass',
      detail: `${plural(s.totals.tlsCertificateFailures, 'TLS certificate failure')} in ${windowWords(scan)}, none reaching ${threshold} from one address${protocol}`,
      evidence: keys,
    },
  ];
}

function judgeUnknownClients(s: SessionFacts, scan: ScanFacts, inventory: Map<string, string>, keys: string[]): ControlResult[] {
  if (inventory.size === 0)
    return [{ control: 'BS-04', resource: LOG_RESOURCE, status: 'skipped', detail: 'devices.inventory lists no device: which client ids belong on the path is unknown', evidence: [] }];
  const connected = s.clients.filter((c) => c.connects > 0);
  const unknown = connected.filter((c) => !inventory.has(c.id));
  if (unknown.length)
    return unknown.map((c) => ({
      control: 'BS-04',
      resource: clientResource(c.id),
      status: 'fail',
      detail: `client id ${c.id} connected ${plural(c.connects, 'time')}${where(c)} (last at ${c.lastAt}) and is not an inventory client_id`,
      evidence: keys,
    }));
  if (s.untrackedClients)
    return [{ control: 'BS-04', resource: LOG_RESOURCE, status: 'error', detail: `${s.untrackedClients} client id(s) beyond the ${scan.limits.maxTracked} tracked could not be judged`, evidence: keys }];
  const probe = scan.lines.probeSessions ? `; ${plural(scan.lines.probeSessions, 'session')} of the probe's own ids left out` : '';
  return [{ control: 'BS-04', resource: LOG_RESOURCE, status: 'pass', detail: `every one of ${plural(connected.length, 'client id')} that connected is in the inventory (${windowWords(scan)}${probe})`, evidence: keys }];
}

function judgeChurn(s: SessionFacts, scan: ScanFacts, set: SessionSettings, keys: string[]): ControlResult[] {
  const max = set.maxReconnects;
  const churning = s.clients.filter((c) => c.connects > max);
  if (churning.length)
    return churning.map((c) => ({
      control: 'BS-05',
      resource: clientResource(c.id),
      status: 'fail',
      detail: `client id ${c.id} connected ${c.connects} times between ${c.firstAt} and ${c.lastAt} (more than ${max}; broker.max_reconnects)${where(c)}${c.takeovers ? `; ${plural(c.takeovers, 'takeover')} (BS-01)` : ''}`,
      evidence: keys,
    }));
  if (s.untrackedClients)
    return [{ control: 'BS-05', resource: LOG_RESOURCE, status: 'error', detail: `${s.untrackedClients} client id(s) beyond the ${scan.limits.maxTracked} tracked could not be judged`, evidence: keys }];
  const top = [...s.clients].sort((a, b) => b.connects - a.connects)[0];
  return [
    {
      control: 'BS-05',
      resource: LOG_RESOURCE,
      status: 'pass',
      detail: `no client id connected more than ${max} times in ${windowWords(scan)}${top && top.connects ? ` (most: ${top.id}, ${top.connects})` : ''}`,
      evidence: keys,
    },
  ];
}

export function evaluateBrokerSessions({ config, evidence }: EvaluateInput): ControlResult[] {
  const set = sessionSettings(config);
  const scanEv = scanEvidence.find(evidence);
  if (!scanEv) return everyControl('error', 'no log scan evidence was collected', []);
  const scan = scanEv.data;
  if (scan.state !== 'observed') return everyControl(scan.state === 'absent' ? 'skipped' : 'error', scan.reason, [scanEv.key]);
  const sessionsEv = sessionsEvidence.find(evidence);
  if (!sessionsEv) return everyControl('error', 'the log was read but no session counts were recorded', [scanEv.key]);
  if (scan.lines.judged === 0) {
    const l = scan.lines;
    if (l.oddTimestamp > 0 && l.oddTimestamp === l.total - l.tooLong)
      return everyControl('error', `none of ${plural(l.oddTimestamp, 'line')} has a timestamp broker-sessions can read (${scan.timestamps}): set broker.log_timestamp_format to the broker's log_timestamp_format`, [scanEv.key]);
    const why = l.inRunWindows
      ? `every line of the last ${scan.window.hours} h falls inside a pathaudit run (${plural(l.inRunWindows, 'line')}): only the probe's own traffic`
      : `no log line in the last ${scan.window.hours} h (${plural(l.total, 'line')} read, ${l.beforeWindow} older): nothing to judge (is Mosquitto's log_type notice or information on, and log_dest this file?)`;
    return everyControl('skipped', why, [scanEv.key]);
  }
  const keys = [scanEv.key, sessionsEv.key];
  const s = sessionsEv.data;
  return [
    ...judgeTakeovers(s, scan, keys),
    ...judgeAuthFailures(s, scan, set, keys),
    ...judgeTlsFailures(s, scan, set, keys),
    ...judgeUnknownClients(s, scan, inventoryClientIds(config), keys),
    ...judgeChurn(s, scan, set, keys),
  ];
}
