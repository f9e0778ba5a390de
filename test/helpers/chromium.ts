// Headless Chromium (Debian's `chromium`) for tests that open a report the way
// a person would. Chromium's own background traffic is pinned to a dead
// loopback proxy and a resolver that resolves nothing: nothing leaves the machine.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env.PATHAUDIT_ARTIFACTS ?? join(tmpdir(), 'pathaudit-artifacts');

interface NetEvent {
  type: number;
  source: { type: number };
  params?: { url?: string; network_isolation_key?: string };
}

/** URLs the page itself asked for (its network isolation key is the file:// site), excluding file: URLs. */
export function pageRequests(netLogFile: string): string[] {
  const log = JSON.parse(readFileSync(netLogFile, 'utf8').replace(/,\s*$/, '')) as { constants: { logEventTypes: Record<string, number> }; events: NetEvent[] };
  const start = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  return log.events
    .filter((e) => e.type === start && e.params?.url && e.params.network_isolation_key?.includes('file://') && !e.params.url.startsWith('file:'))
    .map((e) => e.params!.url!);
}

export function openInChromium(htmlFile: string, work: string, name: string) {
  const shot = join(work, `${name}.png`);
  const netLog = join(work, `${name}.netlog.json`);
  const r = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-default-apps',
      '--no-first-run',
      '--proxy-server=http://127.0.0.1:9',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(work, `${name}-profile`)}`,
      '--window-size=1280,2400',
      '--enable-logging=stderr',
      '--v=0',
      `--log-net-log=${netLog}`,
      `--screenshot=${shot}`,
      `file://${htmlFile}`,
    ],
    { timeout: 60_000, encoding: 'utf8' },
  );
  const consoleLines = (r.stderr ?? '').split('\n').filter((l) => /:CONSOLE/.test(l));
  return { status: r.status, error: r.error, stderr: r.stderr ?? '', shot, netLog, consoleLines };
}

