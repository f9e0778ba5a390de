// Serial nodes under /dev (ttyACM*, ttyUSB*, ttyAMA* and what
// /dev/serial/by-id points at): mode, owner and group, stat only — a node is
// never opened. Group and user names come from etc/group and etc/passwd under
// the root, so an image is judged by its own accounts.
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import { absent, failed } from '../evidence.js';
import { errnoOf, reasonOf } from '../reason.js';
import { globUnderRoot, readUnderRoot, resolveInRoot, type RootView } from '../root.js';
import { SERIAL_NODE_PATTERNS, SOURCES, type SerialNode, type SerialObservation } from './evidence.js';
import { octal } from '../file-mode.js';
import { parseGroup, parsePasswd } from '../accounts.js';

const SERIAL_NAME = new RegExp(`^(${SERIAL_NODE_PATTERNS.map((p) => p.replace('*', '\\d+')).join('|')})$`);

async function kernelTtys(view: RootView): Promise<string[] | null> {
  try {
    return (await readdir(await resolveInRoot(view, SOURCES.kernelTtys))).filter((n) => SERIAL_NAME.test(n)).sort();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** by-id links → the node each points at (as a system path); links whose target is missing are kept apart. */
async function byIdLinks(view: RootView): Promise<{ targets: Map<string, string[]>; dangling: Array<{ link: string; target: string }> }> {
  const targets = new Map<string, string[]>();
  const dangling: Array<{ link: string; target: string }> = [];
  for (const link of await globUnderRoot(view, `${SOURCES.serialById}/*`)) {
    const full = join(await resolveInRoot(view, dirname(link)), basename(link));
    if (!(await lstat(full)).isSymbolicLink()) continue;
    const raw = await readlink(full);
    const target = normalize(raw.startsWith('/') ? raw : join(dirname(link), raw));
    try {
      await stat(await resolveInRoot(view, target));
    } catch {
      dangling.push({ link, target });
      continue;
    }
    targets.set(target, [...(targets.get(target) ?? []), basename(link)]);
  }
  return { targets, dangling };
}

export async function collectSerial(view: RootView): Promise<SerialObservation> {
  try {
    await stat(await resolveInRoot(view, SOURCES.dev));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return absent(`no ${SOURCES.dev} under ${view.root}: serial nodes cannot be observed`);
    return failed(`cannot read ${SOURCES.dev}: ${reasonOf(err)}`);
  }
  try {
    const [groupText, passwdText, ttys, links] = await Promise.all([
      readUnderRoot(view, SOURCES.groupFile),
      readUnderRoot(view, SOURCES.passwdFile),
      kernelTtys(view),
      byIdLinks(view),
    ]);
    // The first entry of an id names it, as getgrgid(3) and getpwuid(3) do.
    const groups = groupText === null ? null : parseGroup(groupText);
    const users = passwdText === null ? null : parsePasswd(passwdText);
    const paths = new Set<string>();
    for (const p of SERIAL_NODE_PATTERNS) for (const m of await globUnderRoot(view, `${SOURCES.dev}/${p}`)) paths.add(m);
    for (const t of links.targets.keys()) paths.add(t);
    const nodes: SerialNode[] = [];
    for (const path of [...paths].sort()) {
      const s = await stat(await resolveInRoot(view, path));
      nodes.push({
        path,
        byId: links.targets.get(path) ?? [],
        mode: octal(s.mode),
        // An image or fixture tree holds plain files where udev would make device nodes.
        type: s.isCharacterDevice() ? 'character device' : s.isFile() ? 'file' : 'other',
        uid: s.uid,
        gid: s.gid,
        owner: users?.find((u) => u.uid === s.uid)?.name ?? null,
        group: groups?.find((g) => g.gid === s.gid)?.name ?? null,
      });
    }
    return { state: 'observed', nodes, danglingLinks: links.dangling, kernelTtys: ttys, groupFile: groups !== null };
  } catch (err) {
    return failed(`reading serial nodes under ${SOURCES.dev}: ${reasonOf(err)}`);
  }
}
