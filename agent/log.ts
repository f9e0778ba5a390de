// One root logger (pino, JSON on stdout for journald); units take child
// loggers (`log.child({ runId, check })`). Secret-bearing fields are redacted
// by path everywhere, and SecretStore.scrub guards evidence separately.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'token',
  'key',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.key',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
];

export type Log = Logger;

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'pathaudit',
      level: opts.level ?? process.env.PATHAUDIT_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(1),
  );
}

/** A logger that drops everything: for CLI runs where stdout carries the report. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
