// `pathaudit serve`: the daemon in the foreground (systemd runs it so).
// SIGTERM/SIGINT stop it cleanly (exit 0), SIGHUP reloads the config.
import { resolveConfigPath } from '../config/load.js';
import { EXIT, usageError } from '../errors.js';
import { startDaemon } from '../daemon/serve.js';
import type { Io } from './io.js';

/** The same form as api.listen in the config schema: host or [IPv6]:port. */
const LISTEN = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

export function parseListenFlag(value: string): string {
  const m = LISTEN.exec(value);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw usageError(`--listen: expected HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:7878 or [::1]:7878 (got "${value}")`);
  return value;
}

export async function serveCommand(flags: { config?: string; listen?: string; init?: boolean }, _io: Io): Promise<number> {
  const listen = flags.listen === undefined ? undefined : parseListenFlag(flags.listen);
  const daemon = await startDaemon({
    configFile: resolveConfigPath(flags.config),
    stopGraceMs: process.env.PATHAUDIT_STOP_GRACE_MS ? Number(process.env.PATHAUDIT_STOP_GRACE_MS) : undefined,
    listen,
    init: flags.init,
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGHUP', reload);
      void daemon.stop(signal).then(resolve, resolve);
    };
    const reload = () => void daemon.reload();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', reload);
  });
  return EXIT.ok;
}
