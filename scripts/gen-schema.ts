// Writes config/pathaudit.schema.json from the TypeBox source
// (config/schema/index.ts), for editors and other tools. A test fails when
// the file and the source disagree: run `npm run gen:docs` after a change.
import { writeFileSync } from 'node:fs';
import { ConfigSchema } from '../config/schema/index.js';

export function schemaJson(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ConfigSchema }, null, 2)}\n`;
}

if (process.argv[1]?.endsWith("gen-schema.js")) {
  const target = new URL('../../config/pathaudit.schema.json', import.meta.url);
  writeFileSync(target, schemaJson());
  console.log(`wrote ${target.pathname}`);
}
