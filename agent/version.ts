import { readFileSync } from 'node:fs';

// package.json sits one level above agent/ (tests, via tap's TS loader), two
// above dist/agent/ (tsc's output) and two or three above dist/app/ (the
// bundle, where this code lands in cli.js or in a chunk): try each.
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
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
