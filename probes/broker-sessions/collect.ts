// broker-sessions collection: the broker's own log over the window, read
// once, line by line, into counters. Lines inside any pathaudit run (the
// current one included) are the probe's own traffic and are left out; so are
// the probe's client ids wherever they appear.
import { existsSync } from 'node:fs';
import { failed } from '../evidence.js';
import type { CollectContext, Evidence, RunWindow } from '../types.js';
import { scanEvidence, sessionsEvidence, type LogFileFacts, type ScanFacts } from './evidence.js';
import { readLogFile } from './read.js';
import { LogScanner } from './scanner.js';
import { sessionSettings } from './settings.js';
import { autoTimestamps, formatTimestamps } from './timestamps.js';

/** Client ids and addresses tracked one by one; more are counted. */
export const MAX_TRACKED = 2000;
/** Run windows listed in the evidence (all are applied). */
const RUN_WINDOWS_LISTED = 20;

/** The rotated file logrotate leaves beside the log: `.1`, or `.1.gz` when it compresses at once (Debian's default). */
export function rotatedFileOf(logFile: string): string | null {
  for (const candidate of [`${logFile}.1`, `${logFile}.1.gz`]) if (existsSync(candidate)) return candidate;
  return null;
}

/** Run windows in whole epoch seconds, widened outwards: log lines carry whole seconds. */
export function runWindowSeconds(windows: readonly RunWindow[]): Array<[number, number]> {
  return windows.map((w) => [Math.floor(Date.parse(w.startedAt) / 1000), w.finishedAt === null ? Infinity : Math.ceil(Date.parse(w.finishedAt) / 1000)]);
}

export async function collectBrokerSessions(ctx: CollectContext): Promise<Evidence[]> {
  const s = sessionSettings(ctx.config);
  const now = Date.now();
  const toS = Math.floor(now / 1000);
  const fromS = Math.floor(now / 1000 - s.windowH * 3600);
  const timestamps = s.timestampFormat ? formatTimestamps(s.timestampFormat, 'broker.log_timestamp_format') : autoTimestamps();
  const scanner = new LogScanner({ timestamps, fromS, toS, runWindows: runWindowSeconds(ctx.runWindows), maxTracked: MAX_TRACKED });
  const budget = { left: s.maxBytes, maxBytes: s.maxBytes, key: 'broker.log_max_mb' };

  const files: LogFileFacts[] = [];
  const rotated = rotatedFileOf(s.logFile);
  if (rotated) {
    ctx.progress?.(`reading ${rotated}`);
    files.push(await readLogFile(rotated, 'rotated', scanner, budget, ctx.signal));
  }
  ctx.progress?.(`reading ${s.logFile}`);
  const current = await readLogFile(s.logFile, 'current', scanner, budget, ctx.signal);
  files.push(current);

  const windows = [...ctx.runWindows].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  const scan: ScanFacts = {
    files,
    window: { hours: s.windowH, from: new Date(fromS * 1000).toISOString(), to: new Date(toS * 1000).toISOString() },
    timestamps: timestamps.describe,
    lines: scanner.counts(),
    oddSamples: scanner.oddSamples(),
    runWindows: { count: windows.length, listed: windows.slice(0, RUN_WINDOWS_LISTED).map((w) => ({ startedAt: w.startedAt, finishedAt: w.finishedAt })) },
    coversFrom: scanner.coversFrom(),
    limits: { maxBytes: s.maxBytes, maxTracked: MAX_TRACKED },
  };
  // The current log is what the window is mostly made of: without it nothing can be judged.
  if (current.state !== 'read') return [scanEvidence.of(failed(current.reason ?? `${s.logFile} could not be read`))];
  return [scanEvidence.of({ state: 'observed', ...scan }), sessionsEvidence.of(scanner.sessions())];
}
