// `npm run lint` type-checks the tests too. Its type-check step must fail on a
// type error in a file under test/. A throwaway file with a type error is
// planted beside the tests (removed on teardown), and the test proves two
// things that together say the lint catches it, without paying for a whole
// type check of the tree on every suite run (CI runs the real lint anyway):
// - the lint's tsconfig, as the script names it, takes the planted file in
//   (tsc --listFilesOnly), so it fails if that tsconfig stops including test/;
// - tsc with that same tsconfig's options, over the planted file alone,
//   reports the error with the file, line and column.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import t from 'tap';
import { ROOT } from '../helpers/build.js';

const lintScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.lint ?? '';
const typeCheck = lintScript.split('&&')[0]!.trim();

// As npm runs it: through a shell, with the package's binaries on PATH.
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}` };
const sh = (command: string) =>
  new Promise<{ code: number | null; out: string }>((resolve) =>
    execFile('sh', ['-c', command], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` }),
    ),
  );

t.test('npm run lint fails on a type error planted in a test file, naming the file and the line', async (t) => {
  const m = /^tsc -p (\S+)$/.exec(typeCheck);
  t.ok(m, `the lint script starts with a type check over a tsconfig (${lintScript})`);
  if (!m) return;
  const checkConfig = m[1]!;
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const planted = `test/lint-planted-${tag}.ts`;
  const onlyPlanted = `tsconfig.lint-planted-${tag}.json`;
  writeFileSync(join(ROOT, planted), "// Planted by test/scripts/lint.test.ts: a type error the lint must report.\nexport const port: number = 'mqtt';\n");
  writeFileSync(join(ROOT, onlyPlanted), JSON.stringify({ extends: `./${checkConfig}`, include: [], files: [planted] }));
  t.teardown(() => {
    rmSync(join(ROOT, planted), { force: true });
    rmSync(join(ROOT, onlyPlanted), { force: true });
  });

  const listed = await sh(`${typeCheck} --listFilesOnly`);
  t.equal(listed.code, 0, 'the lint tsconfig lists its files');
  t.ok(listed.out.split('\n').some((line) => line.endsWith(planted)), `${checkConfig} takes in ${planted}`);
  t.ok(listed.out.split('\n').some((line) => line.endsWith('test/scripts/lint.test.ts')), `${checkConfig} takes in the tests themselves`);

  const checked = await sh(`tsc -p ${onlyPlanted}`);
  t.not(checked.code, 0, 'the type check exits non-zero');
  t.match(checked.out, `${planted}(2,14): error TS2322: Type 'string' is not assignable to type 'number'.`, `it names the planted file, line and error:\n${checked.out.slice(0, 2000)}`);
});
