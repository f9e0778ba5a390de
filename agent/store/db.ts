import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PathauditError, reasonOf } from '../errors.js';
import { storeFailure } from './diagnose.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export const DEFAULT_STORE_PATH = './pathaudit.db';

export interface OpenOptions {
  readonly?: boolean;
  /**
   * Create the store's folder when it does not exist (`run --init`). Without
   * it a missing folder is an error: a mistyped store.path must not start a
   * new, empty store with a new baseline.
   */
  init?: boolean;
}

/** Creates the store's folder (mode 0750) when it does not exist: `run --init`, `serve --init`. */
export function initStoreFolder(file: string): void {
  const folder = dirname(file);
  if (existsSync(folder)) return;
  try {
    mkdirSync(folder, { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new PathauditError('PATHAUDIT_ERR_STORE', storeFailure(file, `cannot create the store folder ${folder}`, reasonOf(err)));
  }
}

/** Opens (creating the file if needed) the store in WAL mode and applies pending migrations. */
export function openDb(file: string, opts: OpenOptions = {}): Db {
  let db: Db;
  const folder = dirname(file);
  if (!opts.readonly && file !== ':memory:' && !existsSync(folder)) {
    if (!opts.init)
      throw new PathauditError('PATHAUDIT_ERR_STORE', `store ${file}: the folder ${folder} does not exist: check store.path, or create it with \`pathaudit run --init\``);
    initStoreFolder(file);
  }
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new PathauditError('PATHAUDIT_ERR_STORE', storeFailure(file, `cannot open store ${file}`, reasonOf(err)));
  }
  try {
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    // Readers and the writer share the file: wait for a lock rather than fail with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (!opts.readonly) migrate(db);
  } catch (err) {
    db.close();
    throw new PathauditError('PATHAUDIT_ERR_STORE', storeFailure(file, `cannot prepare store ${file}`, reasonOf(err)));
  }
  return db;
}

export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length)
    throw new Error(`store schema version ${current} is newer than this agent understands (${MIGRATIONS.length}); upgrade pathaudit`);
  // Each step reads the version inside a write transaction (BEGIN IMMEDIATE):
  // two processes opening a new store at once (a CLI run and serve, or a
  // reader) would otherwise both read 0 and the second fail on CREATE TABLE.
  const step = db.transaction(() => {
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v >= MIGRATIONS.length) return false;
    db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${v + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction
  }
  return MIGRATIONS.length;
}
