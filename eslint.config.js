// ESLint with typescript-eslint's type-aware rules over every file, tests
// included (npm run lint, zero warnings allowed). Layer rules keep imports
// pointing one way: config ← probes ← agent ← scripts, tests on top.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const upward = (from, banned) => ({
  files: [`${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { patterns: banned.map((layer) => ({ group: [`**/${layer}/*`, `**/${layer}/**`], message: `${from}/ must not import from ${layer}/: layers point one way (config ← probes ← agent ← scripts)` })) }],
  },
});

export default tseslint.config(
  // ajv's standalone validators and fast-json-stringify's standalone
  // serializers are generated code (npm run gen:docs), not written here: a fix
  // made by hand would be overwritten by the next generation, and the
  // generator's style is theirs, not ours.
  { ignores: ['dist/**', 'dist-test/**', 'node_modules/**', 'out/**', '.tap/**', 'agent/config/validate-config.generated.ts', 'agent/api/route-validators.generated.ts', 'agent/api/route-serializers.generated.ts', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  // Plain JavaScript (this file, test preloads) is outside the TypeScript
  // project: linted without type information, with Node's globals.
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // Tests: tap tracks every subtest it starts (t.test returns a promise it
    // awaits itself), its callbacks are async by convention, and tests read
    // parsed JSON documents field by field on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  upward('config', ['probes', 'agent', 'scripts', 'test']),
  upward('probes', ['agent', 'scripts', 'test']),
  upward('agent', ['scripts', 'test']),
);
