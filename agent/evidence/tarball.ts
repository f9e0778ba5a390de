// A minimal in-memory ustar writer/reader for evidence bundles. Headers are
// encoded and decoded by node-tar's Header (checksums, ustar prefix); the rest
// is kept here so a bundle is built without touching the disk, its bytes are
// deterministic for the same content, and the reader sees every entry exactly
// as stored (a duplicate or a non-file entry is reported, never smoothed over).
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';

const BLOCK = 512;
/** Bundles are small; refuse anything that would not fit the daemon's memory. */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export interface TarFile {
  path: string;
  data: Buffer;
}

export function writeTarGz(files: TarFile[], mtime: Date): Buffer {
  const chunks: Buffer[] = [];
  for (const f of files) {
    const header = Buffer.alloc(BLOCK);
    const h = new Header({ path: f.path, mode: 0o644, uid: 0, gid: 0, size: f.data.length, mtime, type: 'File', uname: 'pathaudit', gname: 'pathaudit' });
    if (h.encode(header, 0)) throw new Error(`bundle entry path too long for ustar: ${f.path}`);
    chunks.push(header, f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) chunks.push(Buffer.alloc(pad));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

export interface TarReadResult {
  files: TarFile[];
  /** Structural problems, one line each, naming the entry. */
  problems: string[];
}

export function readTarGz(data: Buffer): TarReadResult {
  let tar: Buffer;
  try {
    tar = gunzipSync(data, { maxOutputLength: MAX_BUNDLE_BYTES });
  } catch (err) {
    return { files: [], problems: [`bundle: not a readable gzip stream (${(err as Error).message})`] };
  }
  const files: TarFile[] = [];
  const problems: string[] = [];
  let off = 0;
  let ended = false;
  while (off + BLOCK <= tar.length) {
    const block = tar.subarray(off, off + BLOCK);
    if (block.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const h = new Header(block);
    if (!h.cksumValid) {
      problems.push(`bundle: tar header at byte ${off} has a bad checksum (entry "${h.path ?? '?'}")`);
      break;
    }
    const size = h.size ?? 0;
    const start = off + BLOCK;
    if (start + size > tar.length) {
      problems.push(`${h.path}: truncated (header says ${size} bytes)`);
      break;
    }
    if (h.type !== 'File' && h.type !== 'OldFile') problems.push(`${h.path}: unexpected ${h.type} entry (bundles hold regular files only)`);
    else files.push({ path: h.path ?? '', data: Buffer.from(tar.subarray(start, start + size)) });
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (!ended && !problems.length) problems.push('bundle: tar archive has no end-of-archive marker (truncated?)');
  return { files, problems };
}
