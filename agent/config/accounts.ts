// Who a file belongs to and whether a given account may read or write it.
// `config validate --as USER` judges the files the config names for the
// account the service runs as (not the operator running the command, often
// root), and storage errors name a file's owner and mode. Accounts come from
// /etc/passwd and /etc/group, as on a gateway (no directory service).
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { reasonOf } from '../errors.js';

export interface Account {
  name: string;
  uid: number;
  /** The primary group and every group that lists the account. */
  gids: number[];
}

interface AccountDb {
  users: Map<string, { uid: number; gid: number }>;
  userNames: Map<number, string>;
  groupNames: Map<number, string>;
  groupsOf: Map<string, number[]>;
}

/** The service account `scripts/install.sh` creates. */
const SERVICE_USER = 'pathaudit';

const rows = (file: string): string[][] => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
};

let cached: AccountDb | null = null;
function accountDb(): AccountDb {
  if (cached) return cached;
  const db: AccountDb = { users: new Map(), userNames: new Map(), groupNames: new Map(), groupsOf: new Map() };
  for (const [name, , uid, gid] of rows('/etc/passwd')) {
    if (!name || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) continue;
    db.users.set(name, { uid: Number(uid), gid: Number(gid) });
    if (!db.userNames.has(Number(uid))) db.userNames.set(Number(uid), name);
  }
  for (const [name, , gid, members] of rows('/etc/group')) {
    if (!name || !/^\d+$/.test(gid ?? '')) continue;
    db.groupNames.set(Number(gid), name);
    for (const m of (members ?? '').split(',').filter(Boolean)) db.groupsOf.set(m, [...(db.groupsOf.get(m) ?? []), Number(gid)]);
  }
  return (cached = db);
}

/** An account by name, or null when /etc/passwd has none. */
export function accountNamed(name: string): Account | null {
  const db = accountDb();
  const u = db.users.get(name);
  return u ? { name, uid: u.uid, gids: [...new Set([u.gid, ...(db.groupsOf.get(name) ?? [])])] } : null;
}

/** The account this process runs as. */
export function currentAccount(): Account {
  const uid = process.geteuid?.() ?? userInfo().uid;
  const name = accountDb().userNames.get(uid) ?? userInfo().username;
  return { name, uid, gids: [...new Set([process.getegid?.() ?? userInfo().gid, ...(process.getgroups?.() ?? [])])] };
}

/** The account the service runs as, by default: `pathaudit` when it exists, else whoever runs this. */
export function serviceAccount(): { account: Account; why: string } {
  const svc = accountNamed(SERVICE_USER);
  if (svc) return { account: svc, why: `the service user ${SERVICE_USER}` };
  const me = currentAccount();
  return { account: me, why: `the current user: there is no ${SERVICE_USER} user here` };
}

export const userLabel = (uid: number) => accountDb().userNames.get(uid) ?? `uid ${uid}`;
const groupLabel = (gid: number) => accountDb().groupNames.get(gid) ?? `gid ${gid}`;

/** `root:pathaudit 0640`: a file's owner, group and mode, as ls and chmod spell them. */
export function ownerAndMode(st: Stats): string {
  return `${userLabel(st.uid)}:${groupLabel(st.gid)} ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

export type Access = 'r' | 'w' | 'rx' | 'wx' | 'x';
const BITS: Record<Access, number> = { r: 4, w: 2, x: 1, rx: 5, wx: 3 };
const WORDS: Record<Access, string> = { r: 'readable', w: 'writable', x: 'searchable', rx: 'readable', wx: 'writable' };

function permits(st: Stats, who: Account, want: number): boolean {
  if (who.uid === 0) return (want & 1) === 0 || st.isDirectory() || (st.mode & 0o111) !== 0;
  const bits = st.uid === who.uid ? (st.mode >> 6) & 7 : who.gids.includes(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
  return (bits & want) === want;
}

/**
 * Null when `who` may access `file` so, else why not in words ("not readable
 * by pathaudit: root:root 0600"), including a folder on the way it cannot
 * enter. For the account running this, the kernel answers (access(2), ACLs
 * included); for another account the mode bits do (ACLs are not read).
 */
export function accessProblem(file: string, who: Account, access: Access): string | null {
  if (who.uid === (process.geteuid?.() ?? -1)) {
    const mode = (access.includes('r') ? constants.R_OK : 0) | (access.includes('w') ? constants.W_OK : 0) | (access.includes('x') ? constants.X_OK : 0);
    try {
      accessSync(file, mode);
      return null;
    } catch (err) {
      const st = statOrNull(file);
      return `not ${WORDS[access]} by ${who.name} (${(err as NodeJS.ErrnoException).code ?? reasonOf(err)}${st ? `; ${ownerAndMode(st)}` : ''})`;
    }
  }
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const st = statOrNull(dir);
    if (st && !permits(st, who, 1)) return `${who.name} cannot enter the folder ${dir} (${ownerAndMode(st)})`;
    if (dir === dirname(dir)) break;
  }
  const st = statOrNull(file);
  if (!st) return null;
  return permits(st, who, BITS[access]) ? null : `not ${WORDS[access]} by ${who.name} (${ownerAndMode(st)})`;
}

export function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
