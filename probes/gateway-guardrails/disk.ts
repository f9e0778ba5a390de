// Free disk for GG-08 (live root only), by statfs(2) on each configured mount:
// exact, no shell (systeminformation's fsSize() runs `df` and lists every
// mount; we only need the few the gateway writes to). Free means what an
// unprivileged service can still write (f_bavail), as `df` reports it.
import { statfs } from 'node:fs/promises';
import type { Observation } from '../evidence.js';
import { notLive, type SystemView } from '../system.js';

export const DEFAULT_DISKS = [{ mount: '/', min_free_percent: 10 }];

export interface DiskFacts {
  mount: string;
  totalBytes: number;
  availableBytes: number;
  freePercent: number;
  minFreePercent: number;
}

export type DiskEvidence = Observation<DiskFacts>;

export async function collectDisk(view: SystemView, mount: string, minFreePercent: number): Promise<DiskEvidence> {
  if (!view.live) return { state: 'absent', reason: notLive(view, 'free space') };
  try {
    const s = await statfs(mount);
    const total = s.blocks * s.bsize;
    const available = s.bavail * s.bsize;
    // Size 0 is a pseudo file system (proc, sysfs): nothing to fill.
    if (total === 0) return { state: 'absent', reason: `${mount} is a pseudo file system with no capacity` };
    return { state: 'observed', mount, totalBytes: total, availableBytes: available, freePercent: Math.round((available / total) * 1000) / 10, minFreePercent };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'absent', reason: `${mount} does not exist on this system` };
    return { state: 'failed', reason: `statfs ${mount}: ${(err as Error).message}` };
  }
}
