import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';

/** SFTP status code for "no such file". */
const NO_SUCH_FILE = 2;

function isMissing(error: unknown): boolean {
  return (error as { code?: number }).code === NO_SUCH_FILE;
}

/** `stat` of a remote path, or undefined when it does not exist. */
export function statRemote(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  return new Promise((resolve, reject) => {
    sftp.stat(path, (error, stats) => {
      if (!error) resolve(stats);
      else if (isMissing(error)) resolve(undefined);
      else reject(error);
    });
  });
}

/** A remote directory's entries, or undefined when it does not exist. */
export function listRemote(sftp: SFTPWrapper, path: string): Promise<FileEntryWithStats[] | undefined> {
  return new Promise((resolve, reject) => {
    sftp.readdir(path, (error, list) => {
      if (!error) resolve(list);
      else if (isMissing(error)) resolve(undefined);
      else reject(error);
    });
  });
}

/** A whole remote file, or undefined when it does not exist. */
export function readRemoteFile(sftp: SFTPWrapper, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    sftp.readFile(path, (error: unknown, data: Buffer) => {
      if (!error) resolve(data);
      else if (isMissing(error)) resolve(undefined);
      else reject(error);
    });
  });
}

/** Creates a remote directory and its parents (like `mkdir -p`). */
export async function makeRemoteDirectory(sftp: SFTPWrapper, path: string, mode = 0o755): Promise<void> {
  const stats = await statRemote(sftp, path);
  if (stats?.isDirectory()) return;
  const parent = posix.dirname(path);
  if (parent !== path) await makeRemoteDirectory(sftp, parent, mode);
  await new Promise<void>((resolve, reject) => {
    sftp.mkdir(path, { mode }, (error) => {
      if (!error) return resolve();
      // Another writer may have made it meanwhile.
      statRemote(sftp, path).then((s) => (s?.isDirectory() ? resolve() : reject(error)), reject);
    });
  });
}

/** Removes a remote file; a missing file is not an error. */
export function removeRemoteFile(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.unlink(path, (error) => (!error || isMissing(error) ? resolve() : reject(error)));
  });
}

/** Renames over an existing file in one step (OpenSSH's `posix-rename@openssh.com`). */
export function renameRemote(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.ext_openssh_rename(from, to, (error) => (error ? reject(error) : resolve()));
  });
}

/** The temporary name a file is written under before it is renamed into place. */
export function temporaryName(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.upload-${randomBytes(4).toString('hex')}`);
}

/** Whether a file name is one of {@link temporaryName}'s (left behind by a cut upload). */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.upload-[0-9a-f]{8}$/.test(name);
}

/**
 * Writes a remote file atomically: the bytes go to a temporary name created with `mode` from the start
 * (so a secret is never readable by others, not even for a moment), then it is renamed over `path`.
 * A cut connection leaves at most a temporary file, never a partial file under `path`.
 *
 * @example
 * ```ts
 * await writeRemoteFileAtomic(sftp, '/workspace/musicgen/pod.env', 'AWS_SECRET_ACCESS_KEY=...\n', 0o600);
 * ```
 */
export async function writeRemoteFileAtomic(
  sftp: SFTPWrapper,
  path: string,
  content: string | Uint8Array,
  mode: number,
): Promise<void> {
  const temporary = temporaryName(path);
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const handle = await new Promise<Buffer>((resolve, reject) => {
    sftp.open(temporary, 'wx', { mode }, (error, h) => (error ? reject(error) : resolve(h)));
  });
  try {
    let offset = 0;
    while (offset < data.length) {
      const length = Math.min(32 * 1024, data.length - offset);
      await new Promise<void>((resolve, reject) => {
        sftp.write(handle, data, offset, length, offset, (error) => (error ? reject(error) : resolve()));
      });
      offset += length;
    }
    // The server applies its umask to the open mode; set the exact mode before the file gets its name.
    await new Promise<void>((resolve, reject) => {
      sftp.fchmod(handle, mode, (error) => (error ? reject(error) : resolve()));
    });
  } finally {
    await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
  }
  await renameRemote(sftp, temporary, path);
}
