// gateway-guardrails judgement: a pure function of the evidence collected
// through the root. A source that was absent is `skipped` with its reason, one
// that failed is `error`; only an observation can pass or fail.
import { normalize } from 'node:path';
import { accountsThatRead, readersOf } from '../accounts.js';
import { indexEvidence, seenIn, seenOf, type EvidenceSet } from '../evidence.js';
import { isLoopback } from '../net.js';
import type { ControlResult, EvaluateInput } from '../types.js';
import { DEFAULT_DISKS } from './disk.js';
import {
  accountsEvidence,
  ACCOUNTS_RESOURCE,
  aptEvidence,
  clockEvidence,
  diskEvidence,
  fileModeEvidence,
  firewallEvidence,
  powerEvidence,
  processesEvidence,
  processResource,
  socketResource,
  socketsEvidence,
  sshdEvidence,
  thermalEvidence,
} from './evidence.js';
import type { InputChain } from './firewall.js';
import type { MatchBlock, Setting } from './sshd.js';
import { periodicEnabled } from './updates.js';

const at = (s: Setting) => (s.origin === 'default' ? 'OpenSSH default' : s.origin);
const blockName = (m: MatchBlock) => `\`${m.criteria}\` (${m.origin})`;

/**
 * Passwords are asked either by PasswordAuthentication or by keyboard-interactive
 * through PAM — unless AuthenticationMethods names neither method.
 */
function passwordPaths(s: Partial<Record<string, Setting>>, usePam: Setting, methods: Setting): string[] {
  const out: string[] = [];
  if (methods.value !== 'any' && !/\b(password|keyboard-interactive)\b/.test(methods.value)) return out;
  if (s.passwordauthentication?.value === 'yes') out.push(`PasswordAuthentication yes (${at(s.passwordauthentication)})`);
  if (s.kbdinteractiveauthentication?.value === 'yes' && usePam.value === 'yes')
    out.push(`KbdInteractiveAuthentication yes (${at(s.kbdinteractiveauthentication)}) with UsePAM yes (${at(usePam)}): PAM asks for the password`);
  return out;
}

function evaluateGg01(ev: EvidenceSet): ControlResult {
  const sshd = seenOf(sshdEvidence, ev);
  if ('result' in sshd) return sshd.result('GG-01', sshdEvidence.resource);
  const d = sshd.facts;
  const global = passwordPaths(d.global, d.global.usepam, d.global.authenticationmethods);
  const blocks = d.matchBlocks
    .map((m) => ({ m, paths: passwordPaths(m.settings, d.global.usepam, m.settings.authenticationmethods ?? d.global.authenticationmethods) }))
    .filter((x) => x.paths.length)
    .map((x) => `Match block ${blockName(x.m)} re-enables passwords: ${x.paths.join('; ')}`);
  const via = d.method === 'sshd -T' ? 'effective settings from `sshd -T`' : `parsed from ${d.files.length} file(s)`;
  if (global.length || blocks.length) return { control: 'GG-01', resource: sshdEvidence.resource, status: 'fail', detail: `SSH accepts passwords: ${[...global, ...blocks].join('; ')} (${via})`, evidence: [sshd.key] };
  return {
    control: 'GG-01',
    resource: sshdEvidence.resource,
    status: 'pass',
    detail: `${d.global.authenticationmethods.value !== 'any' ? `AuthenticationMethods ${d.global.authenticationmethods.value} (${at(d.global.authenticationmethods)}), ` : ''}PasswordAuthentication ${d.global.passwordauthentication.value} (${at(d.global.passwordauthentication)}), KbdInteractiveAuthentication ${d.global.kbdinteractiveauthentication.value}; ${d.matchBlocks.length ? `none of ${d.matchBlocks.length} Match block(s) re-enables passwords` : 'no Match block'} (${via})`,
    evidence: [sshd.key],
  };
}

/** PermitRootLogin values that still let root in with a key. */
const KEY_ONLY_ROOT = new Set(['prohibit-password', 'without-password', 'forced-commands-only']);

function evaluateGg02(ev: EvidenceSet): ControlResult {
  const sshd = seenOf(sshdEvidence, ev);
  if ('result' in sshd) return sshd.result('GG-02', sshdEvidence.resource);
  const d = sshd.facts;
  const root = d.global.permitrootlogin;
  const blocks = d.matchBlocks.filter((m) => m.settings.permitrootlogin?.value === 'yes').map((m) => `Match block ${blockName(m)} sets PermitRootLogin yes`);
  if (root.value === 'yes' || blocks.length) {
    const global = root.value === 'yes' ? [`PermitRootLogin yes (${at(root)})`] : [];
    return { control: 'GG-02', resource: sshdEvidence.resource, status: 'fail', detail: `root may log in over SSH: ${[...global, ...blocks].join('; ')}`, evidence: [sshd.key] };
  }
  if (KEY_ONLY_ROOT.has(root.value))
    return { control: 'GG-02', resource: sshdEvidence.resource, status: 'warn', severity: 'low', detail: `PermitRootLogin ${root.value} (${at(root)}): root may log in with a key, no password`, evidence: [sshd.key] };
  return { control: 'GG-02', resource: sshdEvidence.resource, status: 'pass', detail: `PermitRootLogin ${root.value} (${at(root)}) and no Match block re-enables it`, evidence: [sshd.key] };
}

function evaluateGg03(ev: EvidenceSet, allowed: number[], configured: boolean): ControlResult[] {
  const sockets = seenOf(socketsEvidence, ev);
  if ('result' in sockets) return [sockets.result('GG-03', socketsEvidence.resource)];
  const exposed = sockets.facts.sockets.filter((s) => !isLoopback(s.address));
  const outside = exposed.filter((s) => !allowed.includes(s.port));
  const list = configured ? `allowlist ${allowed.length ? allowed.join(', ') : '(empty)'}` : 'no guardrails.allowed_listeners configured: nothing is allowed';
  if (outside.length)
    return outside.map((s) => ({
      control: 'GG-03',
      resource: socketResource(s),
      status: 'fail' as const,
      detail: `port ${s.port} listens on ${s.address === '0.0.0.0' || s.address === '::' ? `every ${s.family === 6 ? 'IPv6' : 'IPv4'} address (${s.address})` : s.address} as uid ${s.uid}, not in the ${list}`,
      evidence: [sockets.key],
    }));
  return [
    {
      control: 'GG-03',
      resource: socketsEvidence.resource,
      status: 'pass',
      detail: exposed.length
        ? `${exposed.length} listener(s) beyond loopback, all allowed: ${exposed.map((s) => socketResource(s).slice(7)).join(', ')} (${list})`
        : `${sockets.facts.sockets.length} listener(s), all on loopback`,
      evidence: [sockets.key],
    },
  ];
}

const denies = (c: InputChain) => c.policy === 'drop' || c.endsWithDrop;
const chainName = (c: InputChain) => `${c.family} ${c.table} ${c.chain} (${c.source}): policy ${c.policy}${c.endsWithDrop ? ', ends with drop' : ''}`;

function evaluateGg04(ev: EvidenceSet): ControlResult {
  const firewall = seenOf(firewallEvidence, ev);
  if ('result' in firewall) return firewall.result('GG-04', firewallEvidence.resource);
  const d = firewall.facts;
  const key = [firewall.key];
  const idle = d.sources.filter((s) => s.loadedAtBoot === false);
  const loaded = new Set(d.sources.filter((s) => s.loadedAtBoot !== false).map((s) => s.source));
  const chains = d.inputChains.filter((c) => loaded.has(c.source));
  const idleNote = idle.length ? `; not loaded at boot (unit not enabled): ${idle.map((s) => `${s.source} (${s.unit})`).join(', ')}` : '';
  if (!chains.length) return { control: 'GG-04', resource: firewallEvidence.resource, status: 'fail', detail: `no input filter chain in effect (${d.method})${idleNote}`, evidence: key };
  const covers = (fam: 'ip' | 'ip6') => chains.filter((c) => (c.family === 'inet' || c.family === fam) && denies(c));
  const v4 = covers('ip');
  const v6 = covers('ip6');
  const v6Unobserved = d.method === 'iptables-save' && !d.sources.some((s) => s.source === 'ip6tables-save');
  if (v4.length && v6.length)
    return { control: 'GG-04', resource: firewallEvidence.resource, status: 'pass', detail: `input is default-deny for IPv4 and IPv6: ${[...new Set([...v4, ...v6])].map(chainName).join('; ')}${idleNote}`, evidence: key };
  if (v4.length && v6Unobserved)
    return { control: 'GG-04', resource: firewallEvidence.resource, status: 'error', detail: `IPv4 input is default-deny (${v4.map(chainName).join('; ')}) but IPv6 could not be observed: no ip6tables-save`, evidence: key };
  const open = [!v4.length ? 'IPv4' : null, !v6.length ? 'IPv6' : null].filter(Boolean).join(' and ');
  return { control: 'GG-04', resource: firewallEvidence.resource, status: 'fail', detail: `${open} input not default-deny; input chains: ${chains.map(chainName).join('; ')}${idleNote}`, evidence: key };
}

function evaluateGg05(ev: EvidenceSet): ControlResult[] {
  const processes = seenOf(processesEvidence, ev);
  if ('result' in processes) return [processes.result('GG-05', processesEvidence.resource)];
  const d = processes.facts;
  const out: ControlResult[] = [];
  for (const role of ['broker', 'relay'] as const) {
    const found = d.processes.filter((p) => p.role === role);
    if (!d.wanted[role].length) {
      out.push({ control: 'GG-05', resource: processResource(role), status: 'skipped', detail: `no guardrails.process_names.${role} configured`, evidence: [] });
      continue;
    }
    if (!found.length) {
      out.push({ control: 'GG-05', resource: processResource(role), status: 'skipped', detail: `no ${role} process running (looked for ${d.wanted[role].join(', ')})`, evidence: [processes.key] });
      continue;
    }
    for (const name of [...new Set(found.map((p) => p.name))]) {
      const procs = found.filter((p) => p.name === name);
      const asRoot = procs.filter((p) => p.euid === 0);
      const who = (ps: typeof procs) => ps.map((p) => `pid ${p.pid} euid ${p.euid}${p.user ? ` (${p.user})` : ''}`).join(', ');
      out.push(
        asRoot.length
          ? { control: 'GG-05', resource: processResource(name), status: 'fail', detail: `${role} ${name} runs as root: ${who(asRoot)}`, evidence: [processes.key] }
          : { control: 'GG-05', resource: processResource(name), status: 'pass', detail: `${role} ${name} runs unprivileged: ${who(procs)}`, evidence: [processes.key] },
      );
    }
  }
  return out;
}

function evaluateGg06(ev: EvidenceSet, now: Date): ControlResult {
  const apt = seenOf(aptEvidence, ev);
  if ('result' in apt) return apt.result('GG-06', aptEvidence.resource);
  const d = apt.facts;
  const problems: string[] = [];
  if (d.installed === false) problems.push('unattended-upgrades is not installed');
  if (!periodicEnabled(d.unattendedUpgrade)) problems.push(`APT::Periodic::Unattended-Upgrade is ${d.unattendedUpgrade ? `"${d.unattendedUpgrade.value}" (${d.unattendedUpgrade.origin})` : 'not set'}`);
  if (!periodicEnabled(d.updateLists)) problems.push(`APT::Periodic::Update-Package-Lists is ${d.updateLists ? `"${d.updateLists.value}" (${d.updateLists.origin})` : 'not set'}`);
  if (!d.securityOrigins.length) problems.push('no security origin in Unattended-Upgrade::Origins-Pattern or Allowed-Origins');
  let pending: string;
  if (d.pending.checked) {
    const age = d.pending.listsUpdatedAt ? Math.floor((now.getTime() - Date.parse(d.pending.listsUpdatedAt)) / 86_400_000) : null;
    const lists = age === null ? 'package lists of unknown age' : `package lists ${age} day(s) old`;
    if (d.pending.security.length) {
      const names = d.pending.security.slice(0, 8).map((u) => `${u.package} ${u.to}`);
      problems.push(`${d.pending.security.length} security update(s) pending (${names.join(', ')}${d.pending.security.length > 8 ? ', …' : ''}; ${lists})`);
    }
    pending = `no security update pending of ${d.pending.total} upgradable (${lists})`;
  } else pending = `pending updates not checked (${d.pending.reason}): configuration only`;
  if (problems.length) return { control: 'GG-06', resource: aptEvidence.resource, status: 'fail', detail: problems.join('; '), evidence: [apt.key] };
  if (!d.pending.checked && d.pending.attempted)
    return { control: 'GG-06', resource: aptEvidence.resource, status: 'error', detail: `automatic security updates are configured, but pending updates could not be counted: ${d.pending.reason}`, evidence: [apt.key] };
  return {
    control: 'GG-06',
    resource: aptEvidence.resource,
    status: 'pass',
    detail: `unattended-upgrades ${d.installed === null ? '(package state unknown: no dpkg status)' : 'installed'}, daily lists and upgrades on, security origin ${d.securityOrigins[0]}; ${pending}`,
    evidence: [apt.key],
  };
}

function evaluateGg07(ev: EvidenceSet): ControlResult {
  const clock = seenOf(clockEvidence, ev);
  if ('result' in clock) return clock.result('GG-07', clockEvidence.resource);
  const d = clock.facts;
  const observed = `${d.method}: ${d.observed.join(', ')}`;
  return d.synchronized
    ? { control: 'GG-07', resource: clockEvidence.resource, status: 'pass', detail: `clock synchronised (${observed})`, evidence: [clock.key] }
    : { control: 'GG-07', resource: clockEvidence.resource, status: 'fail', detail: `clock not synchronised (${observed})`, evidence: [clock.key] };
}

function evaluateGg08(ev: EvidenceSet, disks: Array<{ mount: string }>): ControlResult[] {
  return disks.map(({ mount }) => {
    const resource = diskEvidence.resource(mount);
    const disk = seenIn(diskEvidence, ev, mount);
    if ('result' in disk) return disk.result('GG-08', resource);
    const d = disk.facts;
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    const what = `${d.freePercent} % free (${gib(d.availableBytes)} of ${gib(d.totalBytes)}), threshold ${d.minFreePercent} %`;
    return d.freePercent < d.minFreePercent
      ? { control: 'GG-08', resource, status: 'fail', detail: `${mount}: ${what}`, evidence: [disk.key] }
      : { control: 'GG-08', resource, status: 'pass', detail: `${mount}: ${what}`, evidence: [disk.key] };
  });
}

function evaluateGg09(ev: EvidenceSet): ControlResult[] {
  const out: ControlResult[] = [];
  const power = seenOf(powerEvidence, ev);
  if ('result' in power) out.push(power.result('GG-09', powerEvidence.resource));
  else {
    const d = power.facts;
    out.push(
      d.flags.length
        ? { control: 'GG-09', resource: powerEvidence.resource, status: 'fail', detail: `firmware reports throttled=${d.throttled}: ${d.flags.join(', ')} (${d.source})`, evidence: [power.key] }
        : { control: 'GG-09', resource: powerEvidence.resource, status: 'pass', detail: `firmware reports throttled=${d.throttled}: no under-voltage or throttling since boot (${d.source})`, evidence: [power.key] },
    );
  }
  const thermal = seenOf(thermalEvidence, ev);
  if ('result' in thermal) out.push(thermal.result('GG-09', thermalEvidence.resource));
  else {
    const zones = thermal.facts.zones;
    const judged = zones.filter((z) => z.tripC !== null);
    const hot = judged.filter((z) => z.tempC >= z.tripC!);
    const z = (x: (typeof zones)[number]) => `${x.zone}${x.type ? ` (${x.type})` : ''} ${x.tempC} °C${x.tripC !== null ? ` / ${x.tripType} trip ${x.tripC} °C` : ''}`;
    if (hot.length) out.push({ control: 'GG-09', resource: thermalEvidence.resource, status: 'fail', detail: `at or above the throttling trip point: ${hot.map(z).join('; ')}`, evidence: [thermal.key] });
    else if (judged.length) out.push({ control: 'GG-09', resource: thermalEvidence.resource, status: 'pass', detail: `below every throttling trip point: ${judged.map(z).join('; ')}`, evidence: [thermal.key] });
    else out.push({ control: 'GG-09', resource: thermalEvidence.resource, status: 'skipped', detail: `no thermal zone has a passive trip point to judge against (${zones.map(z).join('; ')})`, evidence: [thermal.key] });
  }
  return out;
}

/**
 * GG-10: a secret is readable by root and at most one other account — the
 * service that uses it: 0600 owned by that account, or 0640 root:GROUP where
 * the group's only member is that account (what scripts/install.sh does for
 * the API token: root:pathaudit 0640). A file also named as broker.key_file is
 * BC-09's, judged against the broker user: one file, one finding.
 */
function evaluateGg10(ev: EvidenceSet, files: string[], brokerKeyFile: string | undefined): ControlResult[] {
  if (!files.length) return [{ control: 'GG-10', resource: 'files', status: 'skipped', detail: 'no guardrails.secret_files configured', evidence: [] }];
  const accountsEv = accountsEvidence.find(ev, ACCOUNTS_RESOURCE);
  const accounts = accountsEv?.data.state === 'observed' ? accountsEv.data : null;
  const brokerKey = brokerKeyFile ? normalize(brokerKeyFile) : null;
  return files.map((f) => {
    const resource = fileModeEvidence.resource(f);
    if (brokerKey && normalize(f) === brokerKey)
      return { control: 'GG-10', resource, status: 'skipped', detail: `judged by BC-09 (key-file ${brokerKeyFile}): the broker's key is judged against the user that must read it`, evidence: [] };
    const file = seenIn(fileModeEvidence, ev, f);
    if ('result' in file) return file.result('GG-10', resource);
    const d = file.facts;
    const mode = Number.parseInt(d.mode, 8);
    const writers = mode & 0o022 ? '; also writable beyond the owner' : '';
    const parent = d.parentMode && (Number.parseInt(d.parentMode, 8) & 0o005) === 0 ? `; its folder (${d.parentMode}) does not let other in, but one chmod away` : '';
    const r = readersOf(d, accounts);
    const cites = r.groupReadable && accountsEv ? [file.key, accountsEv.key] : [file.key];
    const who = `mode ${d.mode}, owner ${r.ownerLabel}, group ${r.groupLabel}`;
    if (r.everyone) return { control: 'GG-10', resource, status: 'fail', detail: `${who}: readable by every local account (other)${writers}${parent}`, evidence: [file.key] };
    const readers = accountsThatRead(r);
    if (readers === null)
      return {
        control: 'GG-10',
        resource,
        status: 'fail',
        detail: `${who}: readable by its group, whose members could not be read (${accountsEv && accountsEv.data.state !== 'observed' ? accountsEv.data.reason : 'no account evidence'}): counted as readable by others${writers}${parent}`,
        evidence: cites,
      };
    if (readers.length > 1)
      return { control: 'GG-10', resource, status: 'fail', detail: `${who}: readable by ${readers.join(', ')} — more than the one service account that uses it${writers}${parent}`, evidence: cites };
    const by = !readers.length ? 'root only' : r.groupReadable && r.group?.includes(readers[0]!) ? `${readers[0]} (the only member of group ${r.groupLabel})` : `${readers[0]} only`;
    return { control: 'GG-10', resource, status: 'pass', detail: `${who}: readable by ${by}${writers}`, evidence: cites };
  });
}

export function evaluateGatewayGuardrails({ config, evidence, now }: EvaluateInput): ControlResult[] {
  const g = config.guardrails ?? {};
  const ev = indexEvidence(evidence);
  return [
    evaluateGg01(ev),
    evaluateGg02(ev),
    ...evaluateGg03(ev, g.allowed_listeners ?? [], g.allowed_listeners !== undefined),
    evaluateGg04(ev),
    ...evaluateGg05(ev),
    evaluateGg06(ev, now),
    evaluateGg07(ev),
    ...evaluateGg08(ev, g.disk ?? DEFAULT_DISKS),
    ...evaluateGg09(ev),
    ...evaluateGg10(ev, [...new Set(g.secret_files ?? [])], config.broker?.key_file),
  ];
}
