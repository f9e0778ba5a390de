import { loadConfigFile, resolveConfigPath, type LoadedConfig } from '../config/load.js';
import { openStore, storePathOf, type Store } from '../store/index.js';
import { refuseForeignStore } from '../store/ownership.js';
import { invocation } from './invocation.js';

export function loadForCli(flag?: string): LoadedConfig {
  return loadConfigFile(resolveConfigPath(flag));
}

/**
 * Opens the config's store for the duration of fn (sync or async) and always
 * closes it. A store another account owns is refused (run as its owner);
 * `init` creates a missing store folder.
 */
export async function withStore<T>(loaded: LoadedConfig, fn: (store: Store) => T | Promise<T>, opts: { init?: boolean } = {}): Promise<T> {
  const file = storePathOf(loaded.config);
  refuseForeignStore(file, invocation());
  const store = openStore(file, opts);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
