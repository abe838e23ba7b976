import { mkdir, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Linux file-system types (`statfs` magic numbers) that hold no ordinary files: kernel views such as
 * `/proc` and `/sys`. Writing an output folder there can only fail, and Node 20's recursive `mkdir`
 * loops forever under `/proc`, so these are refused up front.
 */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x65735543, 'fusectl'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x6e736673, 'nsfs'],
  [0x19800202, 'mqueue'],
]);

/** A folder that cannot be made, with the reason as a user should read it. */
export class FolderError extends Error {
  /** The errno code (`EROFS`, `EACCES`, ...) or `PSEUDO_FS`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'FolderError';
    this.code = code;
  }
}

/** The kind of pseudo-file system `folder` (which exists) is on, or undefined for an ordinary one. */
export async function pseudoFileSystem(folder: string): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const info = await statfs(folder).catch(() => undefined);
  return info === undefined ? undefined : PSEUDO_FILE_SYSTEMS.get(Number(info.type));
}

/** `folder` and its ancestors that do not exist yet, deepest first, and the nearest one that does. */
export async function missingFolders(folder: string): Promise<{ missing: string[]; existing: string }> {
  const missing: string[] = [];
  for (let current = folder; ; current = dirname(current)) {
    const exists = await stat(current).then(
      () => true,
      () => false,
    );
    if (exists || dirname(current) === current) return { missing, existing: current };
    missing.push(current);
  }
}

/**
 * Makes `folder` and its missing ancestors one level at a time (so the error is the real one, `EROFS`
 * or `EACCES`, where Node 20's recursive `mkdir` reports `ENOENT` or never returns). Refuses folders on a
 * pseudo-file system. Returns the folders it made, deepest first.
 *
 * @throws {FolderError} `PSEUDO_FS` for `/proc`, `/sys` and the like.
 */
export async function makeFolders(folder: string): Promise<string[]> {
  const { missing, existing } = await missingFolders(folder);
  if (missing.length === 0) return [];
  const kind = await pseudoFileSystem(existing);
  if (kind !== undefined) {
    throw new FolderError(
      'PSEUDO_FS',
      `${existing} is a ${kind} pseudo-file system, which holds no files; choose a directory on a disk`,
    );
  }
  for (const level of [...missing].reverse()) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  return missing;
}

/** How many times {@link writeInFolder} makes a folder again that vanished under it. */
const FOLDER_ATTEMPTS = 5;

/**
 * Makes `folder` (see {@link makeFolders}) and runs `write`, which creates a file in it. Another process
 * may remove the folder between the two steps: a concurrent store check tidies the empty folders its
 * probe made, and a run letting go of its last lease removes the empty lease folder. So when either step
 * fails with `ENOENT`, the folder is made again and `write` retried, a few times. `write` must not have
 * consumed anything when it fails with `ENOENT` (it fails on opening its file).
 */
export async function writeInFolder<T>(folder: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await makeFolders(folder);
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= FOLDER_ATTEMPTS) throw error;
    }
  }
}
