// Which process a `running` row belongs to, so that `serve` marks aborted only
// the runs a crash left behind, not a `pathaudit run` still in flight beside
// it. A row records its owner as "host/pid/start": the process start time
// (from /proc, in clock ticks since boot) tells a live owner from a recycled
// pid.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The start time of a process ('' when /proc cannot say), or null when there is no such process. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // No /proc (not Linux): ask the kernel whether the pid exists.
    try {
      process.kill(pid, 0);
      return '';
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM' ? '' : null;
    }
  }
}

let self: string | undefined;

/** This process as a run owner. */
export function currentOwner(): string {
  return (self ??= `${hostname()}/${process.pid}/${processStart(process.pid) ?? ''}`);
}

/**
 * Whether the process that owns a `running` row is still running. Unknown
 * owners (rows from before migration 6), another host's processes (a store
 * copied here) and ended processes are not.
 */
export function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pidText, start] = owner.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  const now = processStart(pid);
  if (now === null) return false;
  return !start || !now || now === start;
}
