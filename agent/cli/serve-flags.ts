// `serve --listen HOST:PORT` and `serve --init`: checked and applied before
// the daemon starts (--listen then replaces api.listen at start and on
// every reload; --init creates a missing store folder, as `run --init` does).
import { loadConfigFile, resolveConfigPath } from '../config/load.js';
import { usageError } from '../errors.js';
import { initStoreFolder } from '../store/db.js';
import { storePathOf } from '../store/index.js';

/** The same form as api.listen in the config schema: host or [IPv6]:port. */
const LISTEN = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

export function parseListenFlag(value: string): string {
  const m = LISTEN.exec(value);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw usageError(`--listen: expected HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:7878 or [::1]:7878 (got "${value}")`);
  return value;
}

/** The daemon options serve's flags set (none without them). */
export function serveOverrides(flags: { config?: string; listen?: unknown; init?: unknown }): { listen?: string } {
  const listen = typeof flags.listen === 'string' ? parseListenFlag(flags.listen) : undefined;
  if (flags.init === true) initStoreFolder(storePathOf(loadConfigFile(resolveConfigPath(flags.config)).config));
  return listen ? { listen } : {};
}
