// The store belongs to the service. A CLI run as another account — root, in
// the one-off examples people copy — would leave a database, its -wal/-shm
// files and the signing key that account owns, and the service user would
// then fail with SQLITE_READONLY and EACCES. So the CLI refuses to open a
// store that another account owns, or to start one in a folder another
// (non-root) account owns, and names the account to run as.
import { dirname } from 'node:path';
import { currentAccount, ownerAndMode, statOrNull, userLabel } from '../config/accounts.js';
import { PathauditError } from '../errors.js';

/**
 * Throws PATHAUDIT_ERR_USAGE (exit 2) when the store at `file` (or, before it
 * exists, its folder) belongs to another account than this process's;
 * `command` is what to rerun as that account (`pathaudit run …`).
 */
export function refuseForeignStore(file: string, command: string): void {
  const me = currentAccount();
  const st = statOrNull(file);
  const folder = dirname(file);
  const dirSt = st ? null : statOrNull(folder);
  // A folder root owns (/tmp, a test's temp dir under it) is no one's in particular.
  const owner = st ? st.uid : dirSt && dirSt.uid !== 0 ? dirSt.uid : me.uid;
  if (owner === me.uid) return;
  const name = userLabel(owner);
  const what = st ? `store ${file} belongs to ${name} (${ownerAndMode(st)})` : `the store folder ${folder} belongs to ${name} (${ownerAndMode(dirSt!)})`;
  const asUser = /^uid /.test(name) ? `#${owner}` : name;
  throw new PathauditError(
    'PATHAUDIT_ERR_USAGE',
    `${what}, not to ${me.name}: files ${me.name} wrote there would lock ${name} out. Run as ${name}: sudo -u ${asUser} ${command}`,
  );
}
