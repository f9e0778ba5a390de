import { resolve } from 'node:path';
import type { PathauditConfig } from '../../config/schema/index.js';
import { DEFAULT_STORE_PATH, openDb, type Db } from './db.js';
import { MetaRepository, RunRepository } from './runs.js';

export interface Store {
  file: string;
  db: Db;
  runs: RunRepository;
  meta: MetaRepository;
  close(): void;
}

export function storePathOf(config: PathauditConfig): string {
  return resolve(config.store?.path ?? DEFAULT_STORE_PATH);
}

export function openStore(file: string): Store {
  const db = openDb(file);
  return {
    file,
    db,
    runs: new RunRepository(db),
    meta: new MetaRepository(db),
    close: () => db.close(),
  };
}
