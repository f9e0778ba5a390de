// The installer runs from a private copy of what it installs (node_modules
// linked), so a concurrent rebuild of dist/ cannot change its input while a
// test runs it.
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { builtCli, ROOT as CHECKOUT } from './build.js';

export function installSource(t: Test): string {
  builtCli(); // the installer installs dist/: it must be the build of the current sources
  const root = mkdtempSync(join(tmpdir(), 'pathaudit-install-src-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const p of ['dist', 'package.json', 'package-lock.json', 'README.md', 'config/pathaudit.example.yaml', 'systemd', 'scripts/install.sh', 'scripts/uninstall.sh'])
    if (existsSync(join(CHECKOUT, p))) cpSync(join(CHECKOUT, p), join(root, p), { recursive: true });
  symlinkSync(join(CHECKOUT, 'node_modules'), join(root, 'node_modules'));
  return root;
}
