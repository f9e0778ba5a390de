import { loadConfigFile, resolveConfigPath, type LoadedConfig } from '../config/load.js';
import { BUILTIN_BUNDLES } from '../runner/bundles.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import { openStore, storePathOf, type Store } from '../store/index.js';

export function loadForCli(flag?: string): LoadedConfig {
  return loadConfigFile(resolveConfigPath(flag));
}

/** Opens the config's store for the duration of fn (sync or async) and always closes it. */
export async function withStore<T>(loaded: LoadedConfig, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore(storePathOf(loaded.config));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
