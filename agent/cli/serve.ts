// `pathaudit serve`: the daemon in the foreground (systemd runs it so).
// SIGTERM/SIGINT stop it cleanly (exit 0), SIGHUP reloads the config.
import { resolveConfigPath } from '../config/load.js';
import { EXIT } from '../errors.js';
import { startDaemon } from '../daemon/serve.js';
import { serveOverrides } from './serve-flags.js';
import type { Io } from './io.js';

export async function serveCommand(flags: { config?: string }, io: Io): Promise<number> {
  const daemon = await startDaemon({
    ...serveOverrides(flags),
    configFile: resolveConfigPath(flags.config),
    stopGraceMs: process.env.PATHAUDIT_STOP_GRACE_MS ? Number(process.env.PATHAUDIT_STOP_GRACE_MS) : undefined,
    // The journal has the warning too; stderr puts it in front of whoever starts serve by hand.
    warn: io.stderr,
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
