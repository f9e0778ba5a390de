import { resolve } from 'node:path';
import { PathauditError, reasonOf } from '../errors.js';
import type { PathauditConfig } from '../../config/schema/index.js';
import { DEFAULT_STORE_PATH, openDb, type Db, type OpenOptions } from './db.js';
import { storeFailure } from './diagnose.js';
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

export function openStore(file: string, opts: Pick<OpenOptions, 'init'> = {}): Store {
  const db = openDb(file, opts);
  return {
    file,
    db,
    runs: new RunRepository(db),
    meta: new MetaRepository(db),
    close: () => db.close(),
  };
}

/**
 * One write the store may refuse (disk full, read-only): the failure becomes a
 * PATHAUDIT_ERR_STORE naming the store file and what was being written (CLI
 * exit 3, API 503), never an internal error.
 */
export function storeWrite<T>(file: string, operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new PathauditError('PATHAUDIT_ERR_STORE', storeFailure(file, `store ${file}: cannot ${operation}`, reasonOf(err)), [], { cause: err });
  }
}
