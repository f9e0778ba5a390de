// Loaded into every test process (tap's node-arg), after tap's own import
// hooks.
//
// A test file run from its TypeScript source (`npx tap test/x.test.ts`) gets
// tsx; `npm test` runs the suite compiled (dist-test/, scripts/build-tests.ts)
// and needs no loader.
//
// tap's processinfo makes every child node process load processinfo too
// (NODE_OPTIONS, and a hook on every spawn) to follow coverage across
// processes: ~0.3 s of CPU for each `pathaudit` a test starts. With coverage
// off nothing reads what they record, so children start as a user starts
// them: plain.
if (process.env._TAPJS_PROCESSINFO_COVERAGE_ === '0') {
  const spawnHooks = globalThis[Symbol.for('process-on-spawn@*:singletonId')];
  if (spawnHooks) spawnHooks.listeners.length = 0;
  const options = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o && !/@tapjs[\\/]processinfo/.test(o));
  if (options.length) process.env.NODE_OPTIONS = options.join(' ');
  else delete process.env.NODE_OPTIONS;
}
if (process.argv[1]?.endsWith('.ts')) await import('tsx');
