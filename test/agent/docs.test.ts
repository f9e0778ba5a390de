import { readFileSync } from 'node:fs';
import t from 'tap';
import { readmeWithCatalogue } from '../../scripts/gen-catalogue.js';

t.test('the README control catalogue matches the controls metadata (run `npm run gen:docs`)', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  t.equal(readme, readmeWithCatalogue(readme));
});
