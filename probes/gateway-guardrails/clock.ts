// Clock synchronisation for GG-07 (live root only): systemd's view first
// (`timedatectl show`, which covers systemd-timesyncd and any NTP daemon that
// sets the kernel's sync flag), then chrony's own (`chronyc tracking`). A
// clock an image carries is meaningless, so a non-live root is skipped.
import { absent, failed, type Observation } from '../evidence.js';
import { describeRun, findBinary, notLive, runCommand, type SystemView } from '../system.js';

export interface ClockFacts {
  method: 'timedatectl' | 'chronyc';
  synchronized: boolean;
  /** NTP service enabled (timedatectl) or the tracked source (chronyc). */
  service: string | null;
  /** The lines the judgement came from. */
  observed: string[];
}

export type ClockEvidence = Observation<ClockFacts>;

export function parseTimedatectlShow(text: string): { synchronized: boolean | null; ntp: string | null; lines: string[] } {
  const lines = text.split('\n').filter((l) => /^(NTP|NTPSynchronized|Timezone)=/.test(l));
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) ?? null;
  const sync = get('NTPSynchronized');
  return { synchronized: sync === null ? null : sync === 'yes', ntp: get('NTP'), lines };
}

export function parseChronycTracking(text: string): { synchronized: boolean | null; reference: string | null; lines: string[] } {
  const lines = text.split('\n').filter((l) => /^(Reference ID|Leap status|System time|Stratum)\s*:/.test(l));
  const leap = /^Leap status\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? null;
  const ref = /^Reference ID\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? null;
  if (leap === null) return { synchronized: null, reference: ref, lines };
  return { synchronized: leap !== 'Not synchronised', reference: ref, lines };
}

export async function collectClock(view: SystemView): Promise<ClockEvidence> {
  if (!view.live) return absent(notLive(view, 'clock synchronisation state'));
  const tried: string[] = [];
  const timedatectl = await findBinary('timedatectl');
  if (timedatectl) {
    const run = await runCommand(timedatectl, ['show'], view);
    const parsed = run.exitCode === 0 ? parseTimedatectlShow(run.stdout) : null;
    if (parsed?.synchronized != null) return { state: 'observed', method: 'timedatectl', synchronized: parsed.synchronized, service: parsed.ntp === null ? null : `NTP=${parsed.ntp}`, observed: parsed.lines };
    if (run.timedOut) return failed(describeRun(run));
    tried.push(parsed ? '`timedatectl show` printed no NTPSynchronized' : describeRun(run));
  } else tried.push('no timedatectl binary');
  const chronyc = await findBinary('chronyc');
  if (chronyc) {
    const run = await runCommand(chronyc, ['-n', 'tracking'], view);
    const parsed = run.exitCode === 0 ? parseChronycTracking(run.stdout) : null;
    if (parsed?.synchronized != null) return { state: 'observed', method: 'chronyc', synchronized: parsed.synchronized, service: parsed.reference, observed: parsed.lines };
    if (run.timedOut) return failed(describeRun(run));
    tried.push(parsed ? '`chronyc tracking` printed no leap status' : describeRun(run));
  } else tried.push('no chronyc binary');
  return absent(`no clock synchronisation service to ask: ${tried.join('; ')}`);
}
