import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import {
  isTemporaryName,
  listRemote,
  makeRemoteDirectory,
  readRemoteFile,
  removeRemoteFile,
  renameRemote,
  temporaryName,
  writeRemoteFileAtomic,
} from './remote-files.js';

/** Name of the manifest kept in the remote directory: what was uploaded, by content hash. */
export const SYNC_MANIFEST_NAME = '.sync-manifest.json';

/** Names never uploaded: caches and environments that live beside sources. */
export const DEFAULT_SYNC_EXCLUDES: readonly string[] = [
  '__pycache__',
  '.pytest_cache',
  '.ruff_cache',
  '.venv',
  'node_modules',
  '.DS_Store',
];

/** Options of {@link syncDirectory}. */
export interface SyncDirectoryOptions {
  readonly sftp: SFTPWrapper;
  /** The local directory to mirror. */
  readonly localDir: string;
  /** The remote directory (absolute POSIX path); created when missing. */
  readonly remoteDir: string;
  /** File or directory names (any level) to skip. Default: {@link DEFAULT_SYNC_EXCLUDES}. */
  readonly exclude?: readonly string[];
  /** Files uploaded at once. Default: 4. */
  readonly concurrency?: number;
  /** Called after each file is in place (relative POSIX path). */
  readonly onUploaded?: (path: string) => void;
}

/** What {@link syncDirectory} changed. Paths are relative, POSIX style, sorted. */
export interface SyncResult {
  readonly uploaded: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
  readonly bytesUploaded: number;
}

interface ManifestEntry {
  readonly sha256: string;
  readonly size: number;
  readonly executable: boolean;
}
type Manifest = Record<string, ManifestEntry>;

async function walk(root: string, exclude: ReadonlySet<string>): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (exclude.has(entry.name) || entry.name.endsWith('.pyc')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  await visit(root);
  return files.sort();
}

async function localManifest(root: string, exclude: ReadonlySet<string>): Promise<Manifest> {
  const manifest: Manifest = {};
  for (const path of await walk(root, exclude)) {
    const full = join(root, path);
    const data = await readFile(full);
    const mode = (await stat(full)).mode;
    manifest[path] = {
      sha256: createHash('sha256').update(data).digest('hex'),
      size: data.length,
      executable: (mode & 0o111) !== 0,
    };
  }
  return manifest;
}

/** Remote file sizes under `dir`, plus temporary files left behind by cut uploads. */
async function remoteSizes(
  sftp: SFTPWrapper,
  dir: string,
): Promise<{ sizes: Map<string, number>; leftovers: string[] }> {
  const sizes = new Map<string, number>();
  const leftovers: string[] = [];
  const visit = async (path: string, prefix: string) => {
    for (const entry of (await listRemote(sftp, path)) ?? []) {
      const rel = prefix === '' ? entry.filename : `${prefix}/${entry.filename}`;
      if (entry.attrs.isDirectory()) await visit(posix.join(path, entry.filename), rel);
      else if (isTemporaryName(entry.filename)) leftovers.push(rel);
      else sizes.set(rel, entry.attrs.size);
    }
  };
  await visit(dir, '');
  return { sizes, leftovers };
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function fastPut(sftp: SFTPWrapper, local: string, remote: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.fastPut(local, remote, { mode }, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Mirrors a local directory to the pod over SFTP, uploading only files whose content changed. Each
 * file is written under a temporary name and renamed into place, so a cut connection never leaves a
 * partial file under a real name; the manifest (content hashes) is written last, so the next sync
 * re-checks whatever an interrupted one may not have finished. Files that an earlier sync uploaded and
 * that no longer exist locally are removed; other remote files are left alone.
 *
 * @example
 * ```ts
 * const result = await syncDirectory({ sftp: await connection.sftp(), localDir: 'infra', remoteDir: '/workspace/musicgen/infra' });
 * result.uploaded; // ['pod/pod.sh']
 * ```
 */
export async function syncDirectory(options: SyncDirectoryOptions): Promise<SyncResult> {
  // ssh2 answers requests pending at a cut with an error, but a transfer that then tries to close its
  // handles waits forever: end the whole sync when the session closes.
  let onClose: () => void = () => undefined;
  const closed = new Promise<never>((_resolve, reject) => {
    onClose = () => reject(new Error('the SFTP session closed (connection cut)'));
    options.sftp.once('close', onClose);
  });
  try {
    return await Promise.race([sync(options), closed]);
  } finally {
    options.sftp.off('close', onClose);
  }
}

async function sync(options: SyncDirectoryOptions): Promise<SyncResult> {
  const { sftp, localDir, remoteDir, concurrency = 4 } = options;
  const exclude = new Set(options.exclude ?? DEFAULT_SYNC_EXCLUDES);
  const local = await localManifest(localDir, exclude);
  await makeRemoteDirectory(sftp, remoteDir);
  const manifestPath = posix.join(remoteDir, SYNC_MANIFEST_NAME);
  let previous: Manifest = {};
  const manifestText = await readRemoteFile(sftp, manifestPath);
  if (manifestText !== undefined) {
    try {
      previous = JSON.parse(manifestText.toString('utf8')) as Manifest;
    } catch {
      previous = {};
    }
  }
  const { sizes, leftovers } = await remoteSizes(sftp, remoteDir);
  for (const leftover of leftovers) await removeRemoteFile(sftp, posix.join(remoteDir, leftover));

  const toUpload = Object.keys(local).filter((path) => {
    const want = local[path] as ManifestEntry;
    const had = previous[path];
    return (
      had === undefined ||
      had.sha256 !== want.sha256 ||
      had.executable !== want.executable ||
      sizes.get(path) !== want.size
    );
  });
  const dirs = new Set(toUpload.map((p) => posix.dirname(posix.join(remoteDir, p))));
  for (const dir of [...dirs].sort()) await makeRemoteDirectory(sftp, dir);
  let bytesUploaded = 0;
  await inParallel(toUpload, concurrency, async (path) => {
    const entry = local[path] as ManifestEntry;
    const remote = posix.join(remoteDir, path);
    const temporary = temporaryName(remote);
    await fastPut(sftp, join(localDir, ...path.split('/')), temporary, entry.executable ? 0o755 : 0o644);
    await renameRemote(sftp, temporary, remote);
    bytesUploaded += entry.size;
    options.onUploaded?.(path);
  });
  const removed = Object.keys(previous)
    .filter((path) => local[path] === undefined)
    .sort();
  for (const path of removed) await removeRemoteFile(sftp, posix.join(remoteDir, path));
  if (toUpload.length > 0 || removed.length > 0 || manifestText === undefined) {
    await writeRemoteFileAtomic(sftp, manifestPath, JSON.stringify(local, null, 1) + '\n', 0o644);
  }
  return {
    uploaded: toUpload,
    removed,
    unchanged: Object.keys(local).length - toUpload.length,
    bytesUploaded,
  };
}
