// Preload (node --import) that makes better-sqlite3's native addon fail to
// load the way a build for another Node ABI does (ERR_DLOPEN_FAILED, as
// after switching Node 20 → 24 without rebuilding): the store cannot open,
// everything else works. Used to test that every command closes what it
// started and exits with its documented code on that error path.
const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  if (String(filename).endsWith('better_sqlite3.node')) {
    const err = new Error(
      `The module '${filename}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION ${process.versions.modules}. (simulated by test/helpers/wrong-abi.mjs)`,
    );
    err.code = 'ERR_DLOPEN_FAILED';
    throw err;
  }
  return dlopen.call(this, module, filename, ...rest);
};
