// `pathaudit serve`: the daemon in the foreground (systemd runs it so).
// SIGTERM/SIGINT stop it cleanly (exit 0), SIGHUP reloads the config.
import { resolveConfigPath } from '../config/load.js';
import { EXIT } from '../errors.js';
import { startDaemon } from '../daemon/serve.js';
import type { Io } from './io.js';

/**
 * Starts the daemon and resolves once it is ready, with the promise of its
 * exit code (0 when SIGTERM or SIGINT has stopped it). Resolving at ready lets
 * the CLI drop its parsed program while the daemon runs (see main.ts).
 */
export async function serveCommand(flags: { config?: string }, io: Io): Promise<{ stopped: Promise<number> }> {
  const daemon = await startDaemon({
    configFile: resolveConfigPath(flags.config),
    stopGraceMs: process.env.PATHAUDIT_STOP_GRACE_MS ? Number(process.env.PATHAUDIT_STOP_GRACE_MS) : undefined,
    // The journal has the warning too; stderr puts it in front of whoever starts serve by hand.
    warn: io.stderr,
  });
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGHUP', reload);
      void daemon.stop(signal).then(
        () => resolve(EXIT.ok),
        () => resolve(EXIT.ok),
      );
    };
    const reload = () => void daemon.reload();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', reload);
  });
  return { stopped };
}
