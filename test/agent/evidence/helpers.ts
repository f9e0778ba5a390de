// Shared by the evidence and report tests: a lab gateway with its real SQLite
// store, and runs recorded through runAndStore exactly as the CLI does.
import { join } from 'node:path';
import type { Test } from 'tap';
import type { LoadedConfig } from '../../../agent/config/load.js';
import { silentLogger } from '../../../agent/log.js';
import type { RunDocument } from '../../../agent/runner/document.js';
import { runAndStore } from '../../../agent/runner/index.js';
import { openStore, type Store } from '../../../agent/store/index.js';
import type { LabGateway, LabGatewayOptions } from '../../../agent/lab/gateway.js';
import { labGateway, load } from '../../helpers/lab.js';

export interface Lab {
  gw: LabGateway;
  loaded: LoadedConfig;
  store: Store;
  /** One broker-transport run, stored in the chain; `at` places it in time (for monthly snapshots). */
  run(at?: Date): Promise<RunDocument>;
}

export async function storedLab(t: Test, opts: Omit<LabGatewayOptions, 'dir'> & { dir?: string } = { profile: 'weak' }): Promise<Lab> {
  const gw = await labGateway(t, opts);
  const loaded = load(gw.configFile);
  const store = openStore(loaded.config.store?.path ?? join(gw.dir, 'pathaudit.db'));
  t.teardown(() => store.close());
  return {
    gw,
    loaded,
    store,
    run: (at?: Date) => {
      const t0 = Date.now();
      return runAndStore({
        loaded,
        store,
        bundle: null,
        checks: 'broker-transport',
        trigger: 'cli',
        log: silentLogger(),
        now: at ? () => new Date(at.getTime() + (Date.now() - t0)) : undefined,
      });
    },
  };
}
