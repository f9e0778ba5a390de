import type { LoadedConfig } from '../config/load.js';
import type { RunController } from '../daemon/runs.js';
import type { Store } from '../store/index.js';
import type { PostureCache } from './posture.js';

/** What routes need from the daemon: the store, the config in force, the run controller and the posture view. */
export interface ApiContext {
  store: Store;
  config: () => LoadedConfig;
  runs: RunController;
  posture: PostureCache;
}
