// broker-cert judgement: pure function of the served certificates and the
// files read by collect(). One result per control per TLS endpoint (BC-01..08)
// and one per key file (BC-09).
import type { PathauditConfig } from '../../config/schema/index.js';
import { accountsThatRead, membersOf, readersOf, type AccountFacts } from '../accounts.js';
import { indexEvidence, type EvidenceSet } from '../evidence.js';
import type { ProcessesEvidence } from '../processes.js';
import type { ControlResult, Evidence, EvaluateInput } from '../types.js';
import { daysLeft, describeValidity, isExpired, isNotYetValid, matchName, weakKeyReason, weakSignatureReason, type CertFacts } from '../x509.js';
import {
  accountsEvidence,
  anchorEvidence,
  brokerProcessesEvidence,
  chainEvidence,
  diskCertEvidence,
  endpointsOf,
  keyFileEvidence,
  keyFileResource,
  pathResourceOf,
  servedEvidence,
  type Endpoint,
} from './evidence.js';

export const DEFAULT_EXPIRY_WARN_DAYS = { high: 30, medium: 60 } as const;
/** CA/Browser Forum Baseline Requirements §6.3.2 (since 2020-09-01). */
export const DEFAULT_MAX_VALIDITY_DAYS = 398;

const PER_ENDPOINT = ['BC-01', 'BC-02', 'BC-03', 'BC-04', 'BC-05', 'BC-06', 'BC-07', 'BC-08'] as const;

const describeCert = (f: CertFacts) => `"${f.subject}" (sha256 ${f.sha256.slice(0, 16)}…)`;

function evaluateEndpoint(e: Endpoint, config: PathauditConfig, ev: EvidenceSet, now: Date): ControlResult[] {
  const resource = e.resource;
  const served = servedEvidence.find(ev, resource);
  const all = (status: 'error', detail: string, evidence: string[]) => PER_ENDPOINT.map((control) => ({ control, resource, status, detail, evidence }));
  if (!served) return all('error', 'no observation of the served certificate was recorded', []);
  const s = served.data;
  if (!s.handshake.ok) return all('error', `no TLS handshake with ${s.host}:${s.port}, so no served certificate to judge (${s.handshake.failure})`, [served.key]);
  if (!s.leaf) return all('error', s.parseError ?? 'no served certificate', [served.key]);
  const leaf = s.leaf;
  const below = [leaf, ...(s.chain ?? []).filter((c) => !c.selfSigned)];
  const cited = [served.key];
  const out: ControlResult[] = [];

  // BC-01 / BC-02: expiry tiers on the leaf.
  const left = daysLeft(leaf, now);
  if (isExpired(leaf, now) || isNotYetValid(leaf, now)) {
    out.push({ control: 'BC-01', resource, status: 'fail', detail: `served certificate ${describeCert(leaf)} ${describeValidity(leaf, now)}`, evidence: cited });
    out.push({ control: 'BC-02', resource, status: 'skipped', detail: 'certificate outside its validity window: judged by BC-01', evidence: [] });
  } else {
    out.push({ control: 'BC-01', resource, status: 'pass', detail: `served certificate ${describeValidity(leaf, now)}`, evidence: cited });
    const tiers = { ...DEFAULT_EXPIRY_WARN_DAYS, ...config.broker?.expiry_warn_days };
    if (left <= tiers.high) out.push({ control: 'BC-02', resource, status: 'fail', severity: 'high', detail: `served certificate expires in ${left} day(s) (${leaf.notAfter}), within ${tiers.high}`, evidence: cited });
    else if (left <= tiers.medium) out.push({ control: 'BC-02', resource, status: 'fail', severity: 'medium', detail: `served certificate expires in ${left} day(s) (${leaf.notAfter}), within ${tiers.medium}`, evidence: cited });
    else out.push({ control: 'BC-02', resource, status: 'pass', detail: `${left} day(s) left, more than ${tiers.medium}`, evidence: cited });
  }

  // BC-03: the name devices dial against the SAN (RFC 6125).
  const m = matchName(leaf, e.dialName);
  const sanList = `SAN DNS [${leaf.san.dns.join(', ')}] IP [${leaf.san.ip.join(', ')}]${leaf.san.present ? '' : ' (no SAN extension)'}`;
  if (!m.matched) out.push({ control: 'BC-03', resource, status: 'fail', detail: `devices dial "${e.dialName}", not covered by ${sanList}; CN "${leaf.cn ?? ''}"${leaf.san.present ? ' is not consulted when a SAN is present' : ''}`, evidence: cited });
  else if (m.via === 'cn-fallback')
    out.push({ control: 'BC-03', resource, status: 'warn', detail: `"${e.dialName}" matches only the CN of a certificate without SAN: RFC 9525 clients (Go, browsers, recent TLS stacks) refuse it`, evidence: cited });
  else out.push({ control: 'BC-03', resource, status: 'pass', detail: `"${e.dialName}" matches ${m.via === 'ip-san' ? 'IP' : 'DNS'} SAN "${m.by}"`, evidence: cited });

  // BC-04: chain to the anchor devices pin.
  if (!e.caFile) out.push({ control: 'BC-04', resource, status: 'skipped', detail: `${e.caWhere} not configured: no trust anchor to validate against`, evidence: [] });
  else {
    const anchor = anchorEvidence.find(ev, { ...e, caFile: e.caFile });
    const chain = chainEvidence.find(ev, resource);
    if (!anchor || anchor.data.error || !chain) out.push({ control: 'BC-04', resource, status: 'error', detail: `trust anchor unusable: ${anchor?.data.error ?? 'not read'}`, evidence: anchor ? [anchor.key] : [] });
    else {
      const o = chain.data.openssl;
      const ossl = 'failure' in o ? `OpenSSL check failed: ${o.failure}` : `OpenSSL: ${o.authorized ? 'authorized' : o.error}`;
      const v = chain.data.verdict;
      if (v.valid) out.push({ control: 'BC-04', resource, status: 'pass', detail: `chain validates to ${e.caWhere}: ${v.path.join(' → ')} (${ossl})`, evidence: [served.key, chain.key, anchor.key] });
      else out.push({ control: 'BC-04', resource, status: 'fail', detail: `chain does not validate to ${e.caWhere} (${e.caFile}): ${v.error} (${ossl})`, evidence: [served.key, chain.key, anchor.key] });
    }
  }

  // BC-05 / BC-06: the leaf and every served certificate below the anchor.
  const weakKeys = below.map((c) => [c, weakKeyReason(c)] as const).filter(([, w]) => w);
  if (weakKeys.length) out.push({ control: 'BC-05', resource, status: 'fail', detail: weakKeys.map(([c, w]) => `${c.subject}: ${w}`).join('; '), evidence: cited });
  else out.push({ control: 'BC-05', resource, status: 'pass', detail: below.map((c) => `${c.subject}: ${c.keyType} ${c.keyBits ?? '?'}${c.curve ? ` ${c.curve}` : ''}`).join('; '), evidence: cited });
  const weakSigs = below.map((c) => [c, weakSignatureReason(c)] as const).filter(([, w]) => w);
  if (weakSigs.length) out.push({ control: 'BC-06', resource, status: 'fail', detail: weakSigs.map(([c, w]) => `${c.subject}: ${w}`).join('; '), evidence: cited });
  else out.push({ control: 'BC-06', resource, status: 'pass', detail: below.map((c) => `${c.subject}: ${c.signatureAlgorithm}`).join('; '), evidence: cited });

  // BC-07: validity span.
  const max = config.broker?.max_validity_days ?? DEFAULT_MAX_VALIDITY_DAYS;
  if (leaf.validityDays > max) out.push({ control: 'BC-07', resource, status: 'fail', detail: `valid for ${leaf.validityDays} days (${leaf.notBefore} → ${leaf.notAfter}), over ${max}`, evidence: cited });
  else out.push({ control: 'BC-07', resource, status: 'pass', detail: `valid for ${leaf.validityDays} days, within ${max}`, evidence: cited });

  // BC-08: served versus on disk.
  if (!e.certFile)
    out.push({ control: 'BC-08', resource, status: 'skipped', detail: e.kind === 'ingest' ? 'no certificate file on disk is configured for the ingest endpoint' : 'broker.cert_file not configured', evidence: [] });
  else {
    const disk = diskCertEvidence.find(ev, { ...e, certFile: e.certFile });
    const onDisk = disk?.data.certificates?.[0];
    if (!disk || !onDisk) out.push({ control: 'BC-08', resource, status: 'error', detail: `certificate file unusable: ${disk?.data.error ?? 'not read'}`, evidence: disk ? [disk.key] : [] });
    else if (onDisk.sha256 === leaf.sha256) out.push({ control: 'BC-08', resource, status: 'pass', detail: `served leaf is the certificate in ${e.certFile} (sha256 ${leaf.sha256})`, evidence: [served.key, disk.key] });
    else {
      const newer = Date.parse(onDisk.notAfter) > Date.parse(leaf.notAfter) ? ': the file on disk is newer (renewal written but not reloaded?)' : '';
      out.push({
        control: 'BC-08',
        resource,
        status: 'fail',
        detail: `served sha256 ${leaf.sha256} (notAfter ${leaf.notAfter}) differs from ${e.certFile} sha256 ${onDisk.sha256} (notAfter ${onDisk.notAfter})${newer}`,
        evidence: [served.key, disk.key],
      });
    }
  }
  return out;
}

/** Mosquitto's own default `user` (it drops to it when started as root). */
export const DEFAULT_BROKER_USER = 'mosquitto';

/**
 * Who must read the key: broker.user; else the one account the running broker
 * processes run as; else Mosquitto's default. Pure: the processes are evidence.
 */
export function brokerUserOf(config: PathauditConfig, processes: Evidence<ProcessesEvidence> | undefined): { user: string; source: string } {
  if (config.broker?.user) return { user: config.broker.user, source: 'broker.user' };
  const d = processes?.data;
  if (!d) return { user: DEFAULT_BROKER_USER, source: 'default: the broker process was not looked up' };
  if (d.state !== 'observed') return { user: DEFAULT_BROKER_USER, source: `default: the broker process was not looked up (${d.reason})` };
  const brokers = d.processes.filter((p) => p.role === 'broker');
  const users = [...new Set(brokers.map((p) => p.user ?? `uid ${p.euid}`))];
  if (users.length === 1 && brokers[0]!.user) return { user: users[0]!, source: `the owner of the running ${brokers[0]!.name} process (pid ${brokers.map((p) => p.pid).join(', ')})` };
  if (!brokers.length) return { user: DEFAULT_BROKER_USER, source: `default: no broker process running (looked for ${d.wanted.broker.join(', ')})` };
  return { user: DEFAULT_BROKER_USER, source: `default: the broker processes run as ${users.join(' and ')}; set broker.user to say which one serves this path` };
}

const SAFE_ARG = /^[\w@%+=:,./-]+$/;
const sh = (s: string) => (SAFE_ARG.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The commands that make the key the broker user's alone and keep the broker
 * able to start: owner-only for the broker user, or root-owned with a group
 * that holds the broker user alone (its own group, when it is the only member).
 */
export function keyFileFixes(file: string, user: string, accounts: AccountFacts | null): string[] {
  const f = sh(file);
  const fixes = [`chown ${sh(user)}: ${f} && chmod 600 ${f}`];
  const account = accounts?.users.find((u) => u.name === user);
  const own = account ? accounts!.groups.find((g) => g.gid === account.gid) : undefined;
  if (user !== 'root' && own && membersOf(accounts!, own.gid).join() === user) fixes.push(`chown root:${sh(own.name)} ${f} && chmod 640 ${f}`);
  return fixes;
}

function keyFileRemediation(file: string, user: string, accounts: AccountFacts | null): string {
  const [owner, group] = keyFileFixes(file, user, accounts);
  return (
    `Make the key readable by the broker user ${user} and no one else: \`${owner}\`${group ? `, or keep root as owner with a group that holds only ${user}: \`${group}\`` : ''}. ` +
    `Then restart the broker (Mosquitto: \`systemctl restart mosquitto\`) and check that it serves TLS.${user === 'root' ? '' : ` Not root:root 0600: Mosquitto reads its key after dropping privileges to ${user} and would not start.`}`
  );
}

function evaluateKeyFile(config: PathauditConfig, records: EvidenceSet): ControlResult {
  const b = config.broker;
  if (!b?.key_file) return { control: 'BC-09', resource: pathResourceOf(config), status: 'skipped', detail: 'broker.key_file not configured', evidence: [] };
  const file = b.key_file;
  const resource = keyFileResource(file);
  const ev = keyFileEvidence.find(records, file);
  if (!ev || ev.data.error || ev.data.mode === undefined || ev.data.uid === undefined || ev.data.gid === undefined)
    return { control: 'BC-09', resource, status: 'error', detail: `could not stat the key file: ${ev?.data.error ?? 'not observed'}`, evidence: ev ? [ev.key] : [] };
  const d = { mode: ev.data.mode, uid: ev.data.uid, gid: ev.data.gid };
  const accountsEv = accountsEvidence.find(records, resource);
  const accounts = accountsEv?.data.state === 'observed' ? accountsEv.data : null;
  const processes = brokerProcessesEvidence.find(records, file);
  const { user, source } = brokerUserOf(config, processes);
  const evidence = [ev.key, ...(accountsEv ? [accountsEv.key] : []), ...(processes ? [processes.key] : [])];
  const r = readersOf(d, accounts);
  const who = `mode ${d.mode}, owner ${r.ownerLabel}, group ${r.groupLabel}; broker user ${user} (${source})`;
  const remediation = keyFileRemediation(file, user, accounts);
  const fail = (detail: string): ControlResult => ({ control: 'BC-09', resource, status: 'fail', detail: `${who}: ${detail}`, evidence, remediation });
  if (r.everyone) return fail('readable by every local account (other)');
  const readers = accountsThatRead(r);
  if (readers === null)
    return fail(`readable by its group, whose members could not be read (${accountsEv && accountsEv.data.state !== 'observed' ? accountsEv.data.reason : 'no account evidence'}): counted as readable by others`);
  const others = readers.filter((n) => n !== user);
  if (others.length) return fail(`readable by ${others.join(', ')}, not only the broker user: any of them can impersonate the broker`);
  const brokerKnown = user === 'root' || Boolean(accounts?.users.some((u) => u.name === user));
  if (user !== 'root' && !readers.includes(user)) {
    if (brokerKnown)
      return {
        control: 'BC-09',
        resource,
        status: 'warn',
        severity: 'medium',
        detail: `${who}: ${user} cannot read it — Mosquitto loads its key after dropping privileges to its user, so the broker's next start fails ("Unable to load server key file … Permission denied")`,
        evidence,
        remediation,
      };
    return { control: 'BC-09', resource, status: 'pass', detail: `${who}: readable by ${readers.join(', ') || 'root'} only; ${user} is not an account in /etc/passwd under ${config.guardrails?.root ?? '/'}, so whether the broker can read it was not judged`, evidence };
  }
  return { control: 'BC-09', resource, status: 'pass', detail: `${who}: readable by ${user === 'root' ? 'root' : user} only`, evidence };
}

export function evaluateBrokerCert({ config, evidence, now }: EvaluateInput): ControlResult[] {
  const ev = indexEvidence(evidence);
  const endpoints = endpointsOf(config);
  const results = endpoints.flatMap((e) => evaluateEndpoint(e, config, ev, now));
  if (!endpoints.length) {
    const resource = pathResourceOf(config);
    for (const control of PER_ENDPOINT) results.push({ control, resource, status: 'skipped', detail: 'no TLS listener declared and no https ingest endpoint (see BT-05)', evidence: [] });
  }
  results.push(evaluateKeyFile(config, ev));
  return results;
}
