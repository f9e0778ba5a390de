// Local accounts, read from /etc/passwd and /etc/group under the configured
// root, and who can read a file given its mode, owner and group. GG-10 and
// BC-09 judge key and secret files against them: "0640" is safe or not
// depending on who is in the group, and a key its service cannot read breaks
// the service (Mosquitto loads its key after dropping privileges).
// Only names and ids are kept: no password field, home or shell.
import { declareEvidenceFamily, type Observation } from './evidence.js';
import { readUnderRoot } from './root.js';
import type { SystemView } from './system.js';

export interface Account {
  name: string;
  uid: number;
  /** Primary group id. */
  gid: number;
}

export interface Group {
  name: string;
  gid: number;
  /** Supplementary members listed in /etc/group (primary members are the accounts whose gid is this group's). */
  members: string[];
}

export interface AccountFacts {
  users: Account[];
  groups: Group[];
}

export type AccountsEvidence = Observation<AccountFacts>;

/**
 * The accounts, keyed `accounts`, on the resource they were read for:
 * gateway-guardrails' `accounts` (GG-10), broker-cert's key file (BC-09).
 */
export const accountsEvidence = declareEvidenceFamily<string, AccountsEvidence>({ kind: 'local-accounts', key: () => 'accounts', resource: (resource) => resource });

/** etc/passwd's lines with a name and numeric ids, in file order (the first entry of an id is the one getpwuid(3) gives). */
export function parsePasswd(text: string): Account[] {
  const out: Account[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name && uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid)) out.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return out;
}

/** etc/group's lines with a name and a numeric gid, in file order. */
export function parseGroup(text: string): Group[] {
  const out: Group[] = [];
  for (const line of text.split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (name && gid && /^\d+$/.test(gid)) out.push({ name, gid: Number(gid), members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

export async function collectAccounts(view: SystemView): Promise<AccountsEvidence> {
  try {
    const [passwd, group] = await Promise.all([readUnderRoot(view, '/etc/passwd'), readUnderRoot(view, '/etc/group')]);
    if (passwd === null || group === null) return { state: 'absent', reason: `no ${passwd === null ? '/etc/passwd' : '/etc/group'} under ${view.root}: file owners and group members are unknown` };
    return { state: 'observed', users: parsePasswd(passwd), groups: parseGroup(group) };
  } catch (err) {
    return { state: 'failed', reason: `reading /etc/passwd and /etc/group under ${view.root}: ${(err as Error).message}` };
  }
}

/** Every account in a group: those whose primary group it is, and those /etc/group lists. */
export function membersOf(accounts: AccountFacts, gid: number): string[] {
  const group = accounts.groups.find((g) => g.gid === gid);
  const primary = accounts.users.filter((u) => u.gid === gid).map((u) => u.name);
  return [...new Set([...primary, ...(group?.members ?? [])])].sort();
}

export const userName = (accounts: AccountFacts | null, uid: number) => accounts?.users.find((u) => u.uid === uid)?.name ?? null;
export const groupName = (accounts: AccountFacts | null, gid: number) => accounts?.groups.find((g) => g.gid === gid)?.name ?? null;

/** A file's permission facts, as stat() gives them. */
export interface FileFacts {
  /** Octal permission bits, e.g. `0640`. */
  mode: string;
  uid: number;
  gid: number;
}

/** Who can read a file through its mode (root reads everything and is left out). */
export interface Readers {
  /** The owner, when the owner-read bit is set (name, else `uid N`). */
  owner: string | null;
  /** The group's accounts when the group-read bit is set; null when that bit is set but its members are unknown. */
  group: string[] | null;
  groupReadable: boolean;
  /** Every local account (the other-read bit). */
  everyone: boolean;
  /** The group, in words: `mosquitto (gid 105)`. */
  groupLabel: string;
  ownerLabel: string;
}

export function readersOf(file: FileFacts, accounts: AccountFacts | null): Readers {
  const mode = Number.parseInt(file.mode, 8);
  const ownerName = userName(accounts, file.uid);
  const gName = groupName(accounts, file.gid);
  const groupReadable = Boolean(mode & 0o040);
  return {
    owner: mode & 0o400 ? (ownerName ?? `uid ${file.uid}`) : null,
    group: groupReadable ? (accounts ? membersOf(accounts, file.gid) : null) : [],
    groupReadable,
    everyone: Boolean(mode & 0o004),
    groupLabel: gName ? `${gName} (gid ${file.gid})` : `gid ${file.gid}`,
    ownerLabel: ownerName ? `${ownerName} (uid ${file.uid})` : `uid ${file.uid}`,
  };
}

/** The accounts other than root that can read the file (null: not known, the group's members could not be read). */
export function accountsThatRead(r: Readers): string[] | null {
  if (r.group === null) return null;
  return [...new Set([...(r.owner ? [r.owner] : []), ...r.group])].filter((n) => n !== 'root').sort();
}
