import { readFileSync } from 'node:fs';
import t from 'tap';
import { schemaJson, validatorModule } from '../../scripts/gen-schema.js';

t.test('config/pathaudit.schema.json is generated from config/schema (run `npm run gen:docs`)', async (t) => {
  const onDisk = readFileSync(new URL('../../config/pathaudit.schema.json', import.meta.url), 'utf8');
  t.equal(onDisk, schemaJson());
});

t.test('agent/config/validate-config.generated.ts is ajv\'s validator of that schema (run `npm run gen:docs`)', async (t) => {
  const onDisk = readFileSync(new URL('../../agent/config/validate-config.generated.ts', import.meta.url), 'utf8');
  t.equal(onDisk, validatorModule());
});
