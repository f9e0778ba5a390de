// Automatic security updates for GG-06: the unattended-upgrades configuration
// under the root (apt.conf.d, read with apt.conf(5) rules), whether the package
// is installed, and — on the live root only — which security updates apt would
// install now (`apt-get -s upgrade`: a simulation, no lock taken, no network;
// it knows what the last `apt-get update` fetched).
import { readdir, stat } from 'node:fs/promises';
import { absent, failed, type Observation } from '../evidence.js';
import { readUnderRoot, resolveInRoot } from '../root.js';
import { describeRun, findBinary, notLive, runCommand, type SystemView } from '../system.js';

export interface AptSetting {
  value: string;
  origin: string;
}

export interface PendingUpdate {
  package: string;
  from: string | null;
  to: string;
  origins: string;
}

export type PendingCheck =
  | { checked: true; command: string; total: number; security: PendingUpdate[]; listsUpdatedAt: string | null }
  /** `attempted`: apt-get ran on the live root and failed or timed out (an unobserved half, unlike an image root). */
  | { checked: false; attempted: boolean; reason: string };

export interface AptFacts {
  files: string[];
  /** APT::Periodic::Update-Package-Lists and APT::Periodic::Unattended-Upgrade (null when unset, i.e. off). */
  updateLists: AptSetting | null;
  unattendedUpgrade: AptSetting | null;
  /** Origins-Pattern / Allowed-Origins entries that name a security archive. */
  securityOrigins: string[];
  /** Whether the unattended-upgrades package is installed (dpkg status), null when that cannot be told. */
  installed: boolean | null;
  pending: PendingCheck;
}

export type AptEvidence = Observation<AptFacts>;

/** apt.conf(5): files without an extension or ending in .conf, made of [A-Za-z0-9_.-], read in lexical order. */
const APT_PART = /^[A-Za-z0-9_.-]+$/;
const aptPart = (name: string) => APT_PART.test(name) && (!name.includes('.') || name.endsWith('.conf'));

function stripAptComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') inString = !inString;
    if (!inString && c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    if (!inString && c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (!inString && c === '#' && (i === 0 || text[i - 1] === '\n')) {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Parses apt.conf syntax into a flat map (lower-case `A::B::C` → values).
 * `Key "v";` sets (later files override earlier ones), `"v";` inside a block
 * appends to that block's list, `Key { … };` scopes. `#clear` and `#include`
 * lines are treated as comments.
 */
export function parseAptConf(text: string, file: string, into: Map<string, AptSetting[]>): void {
  const tokens = stripAptComments(text).match(/"[^"]*"|[{};]|[^\s{};"]+/g) ?? [];
  const scope: string[] = [];
  let words: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t === '{') {
      scope.push(...(words[0] ?? '').split('::').filter(Boolean));
      scope.push('\0'); // block marker: how many names this block pushed
      words = [];
    } else if (t === '}') {
      scope.pop();
      while (scope.length && scope[scope.length - 1] !== '\0') scope.pop();
      words = [];
    } else if (t === ';') {
      const names = scope.filter((s) => s !== '\0');
      if (words.length === 1 && words[0]!.startsWith('"')) {
        const key = names.join('::').toLowerCase();
        into.set(key, [...(into.get(key) ?? []), { value: words[0]!.slice(1, -1), origin: file }]);
      } else if (words.length >= 2) {
        const key = [...names, ...words[0]!.split('::')].join('::').toLowerCase();
        into.set(key, [{ value: words[1]!.replace(/^"|"$/g, ''), origin: file }]);
      }
      words = [];
    } else words.push(t);
  }
}

const enabled = (s: AptSetting | null) => s !== null && s.value !== '0' && s.value !== '' && s.value.toLowerCase() !== 'false';
export const periodicEnabled = enabled;

async function packageInstalled(view: SystemView, pkg: string): Promise<boolean | null> {
  const status = await readUnderRoot(view, '/var/lib/dpkg/status');
  if (status === null) return null;
  for (const stanza of status.split(/\n\s*\n/)) {
    if (new RegExp(`^Package:\\s*${pkg}\\s*$`, 'm').test(stanza)) return /^Status:\s*install ok installed\s*$/m.test(stanza);
  }
  return false;
}

/** `apt-get -s upgrade` lines: `Inst pkg [old] (new Origin:rel/suite, Other:… [arch])`. */
export function parseAptSimulation(text: string): { total: number; security: PendingUpdate[] } {
  const security: PendingUpdate[] = [];
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^Inst\s+(\S+)\s+(?:\[([^\]]*)\]\s+)?\((\S+)\s+(.*?)(?:\s+\[[^\]]*\])?\)/.exec(line);
    if (!m) continue;
    total++;
    if (/security/i.test(m[4]!)) security.push({ package: m[1]!, from: m[2] ?? null, to: m[3]!, origins: m[4]! });
  }
  return { total, security };
}

async function newestListMtime(view: SystemView): Promise<string | null> {
  try {
    const dir = await resolveInRoot(view, '/var/lib/apt/lists');
    let newest = 0;
    for (const f of await readdir(dir)) if (f.endsWith('Release')) newest = Math.max(newest, (await stat(`${dir}/${f}`)).mtimeMs);
    return newest ? new Date(newest).toISOString() : null;
  } catch {
    return null;
  }
}

/** Simulation walks the whole cache: give it longer than a quick command, yet inside the check budget. */
export const APT_TIMEOUT_FACTOR = 2.5;

async function pendingSecurityUpdates(view: SystemView): Promise<PendingCheck> {
  if (!view.live) return { checked: false, attempted: false, reason: notLive(view, 'counting pending updates with apt-get') };
  const bin = await findBinary('apt-get');
  if (!bin) return { checked: false, attempted: false, reason: 'no apt-get binary' };
  const args = ['-s', '-o', 'Debug::NoLocking=1', '-o', 'APT::Get::Show-User-Simulation-Note=false', 'upgrade'];
  const run = await runCommand(bin, args, view, Math.round(view.commandTimeoutMs * APT_TIMEOUT_FACTOR));
  if (run.exitCode !== 0) return { checked: false, attempted: true, reason: describeRun(run) };
  return { checked: true, command: `apt-get ${args.join(' ')}`, ...parseAptSimulation(run.stdout), listsUpdatedAt: await newestListMtime(view) };
}

export async function collectApt(view: SystemView): Promise<AptEvidence> {
  try {
    let names: string[];
    try {
      names = (await readdir(await resolveInRoot(view, '/etc/apt/apt.conf.d'))).filter(aptPart).sort();
    } catch {
      if ((await readUnderRoot(view, '/etc/apt/sources.list')) === null && (await readUnderRoot(view, '/etc/debian_version')) === null)
        return absent(`not an apt-based system: no /etc/apt/apt.conf.d under ${view.root}`);
      names = [];
    }
    const conf = new Map<string, AptSetting[]>();
    const files: string[] = [];
    for (const n of names) {
      const f = `/etc/apt/apt.conf.d/${n}`;
      const text = await readUnderRoot(view, f);
      if (text === null) continue;
      files.push(f);
      parseAptConf(text, f, conf);
    }
    const one = (k: string) => conf.get(k)?.at(-1) ?? null;
    const origins = [...(conf.get('unattended-upgrade::origins-pattern') ?? []), ...(conf.get('unattended-upgrade::allowed-origins') ?? [])];
    return {
      state: 'observed',
      files,
      updateLists: one('apt::periodic::update-package-lists'),
      unattendedUpgrade: one('apt::periodic::unattended-upgrade'),
      securityOrigins: origins.filter((o) => /security/i.test(o.value)).map((o) => o.value),
      installed: await packageInstalled(view, 'unattended-upgrades'),
      pending: await pendingSecurityUpdates(view),
    };
  } catch (err) {
    return failed(`could not read the apt configuration: ${err instanceof Error ? err.message : String(err)}`);
  }
}
