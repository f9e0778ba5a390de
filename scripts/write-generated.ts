// Writes generated files and says where: the last step of every generator
// that `npm run gen:docs` runs.
import { writeFileSync } from 'node:fs';

export function writeGenerated(files: Iterable<readonly [URL, string]>): void {
  for (const [target, text] of files) {
    writeFileSync(target, text);
    console.log(`wrote ${target.pathname}`);
  }
}
