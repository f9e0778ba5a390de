// A file tree for a test, written into a temp folder removed on teardown:
// the roots that filesystem-reading checks (guardrails, device-link) are
// pointed at instead of the machine's own /.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Test } from 'tap';
import { tempDir } from './lab.js';

export type TreeEntry = string | { link: string } | { text: string; mode: number };

/** Builds a tree: `{ 'etc/ssh/sshd_config': 'text' }`; a value `{ link }` makes a symlink, `{ mode, text }` a file with that mode. */
export function buildTree(t: Test, files: Record<string, TreeEntry>, prefix = 'pathaudit-tree-'): string {
  const root = tempDir(t, prefix);
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof content === 'string') writeFileSync(p, content);
    else if ('link' in content) symlinkSync(content.link, p);
    else {
      writeFileSync(p, content.text);
      chmodSync(p, content.mode);
    }
  }
  return root;
}
