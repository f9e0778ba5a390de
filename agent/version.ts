import { readFileSync } from 'node:fs';

// package.json sits two levels above both agent/ (tests, via tap's TS loader)
// and dist/agent/ (the built CLI): try both.
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pathaudit' && pkg.version) return pkg.version;
    } catch {
      /* try the next candidate */
    }
  }
  return '0.0.0-unknown';
}

export const AGENT_VERSION = readVersion();
