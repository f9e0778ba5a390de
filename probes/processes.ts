// Owners of the broker and relay processes (live root only): GG-05 judges
// them, BC-09 takes the broker's owner as the account that must read its key.
//
// Read from /proc/<pid>/{status,cmdline} directly: systeminformation's
// processes() shells out to `ps`, samples CPU for a second, and reports the
// user name only — the effective uid in /proc/<pid>/status is what matters
// (Mosquitto starts as root and drops to its `user` after binding).
// Only the matched name, pid and uids are kept: a command line may carry a
// password (`--password …`) and never reaches evidence.
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { absent, type Observation } from './evidence.js';
import { notLive, type SystemView } from './system.js';
import { compareText } from './compare.js';

export const DEFAULT_BROKER_NAMES = ['mosquitto', 'emqx', 'nanomq', 'vernemq'];

export interface ProcessOwner {
  pid: number;
  /** The configured name this process matched. */
  name: string;
  role: 'broker' | 'relay';
  /** Real and effective uid from /proc/<pid>/status. */
  uid: number;
  euid: number;
  /** User name from /etc/passwd when known. */
  user: string | null;
}

export interface ProcessFacts {
  source: string;
  /** Configured names per role (what was looked for). */
  wanted: { broker: string[]; relay: string[] };
  processes: ProcessOwner[];
}

export type ProcessesEvidence = Observation<ProcessFacts>;

/** The kind both checks record process owners under (each with its own key). */
export const PROCESS_OWNERS_KIND = 'process-owners';

/** The names a process answers to: comm, argv[0]'s basename, and a script's basename (`node ingest-relay.js`). */
export function namesOf(comm: string, argv: string[]): Set<string> {
  const names = new Set([comm]);
  if (argv[0]) names.add(basename(argv[0]));
  const script = argv[1] && !argv[1].startsWith('-') ? basename(argv[1]) : null;
  if (script) {
    names.add(script);
    names.add(basename(script, extname(script)));
  }
  return names;
}

function statusField(status: string, field: string): string | null {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? null;
}

async function passwdNames(): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  try {
    for (const line of (await readFile('/etc/passwd', 'utf8')).split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && /^\d+$/.test(uid)) map.set(Number(uid), name);
    }
  } catch {
    /* names are a courtesy; uids carry the judgement */
  }
  return map;
}

export async function collectProcesses(view: SystemView, wanted: { broker?: string[]; relay?: string[] }): Promise<ProcessesEvidence> {
  if (!view.live) return absent(notLive(view, 'the process table'));
  const want = { broker: wanted.broker ?? DEFAULT_BROKER_NAMES, relay: wanted.relay ?? [] };
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch (err) {
    return absent(`no process table: /proc not readable (${(err as Error).message})`);
  }
  const users = await passwdNames();
  const found: ProcessOwner[] = [];
  for (const pid of pids) {
    let status: string;
    let argv: string[];
    try {
      status = await readFile(`/proc/${pid}/status`, 'utf8');
      argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    } catch {
      continue; // exited while we looked
    }
    const names = namesOf(statusField(status, 'Name') ?? '', argv);
    const uids = (statusField(status, 'Uid') ?? '').split(/\s+/).map(Number);
    for (const role of ['broker', 'relay'] as const) {
      const name = want[role].find((n) => names.has(n));
      if (name && uids.length >= 2) found.push({ pid: Number(pid), name, role, uid: uids[0]!, euid: uids[1]!, user: users.get(uids[1]!) ?? null });
    }
  }
  found.sort((a, b) => compareText(a.name, b.name) || a.pid - b.pid);
  return { state: 'observed', source: '/proc/<pid>/status', wanted: want, processes: found };
}
