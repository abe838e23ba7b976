import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small file system mounted for a test. */
export interface MountedTmpfs {
  /** The mount point. */
  readonly path: string;
  /** Unmounts it and removes the mount point. */
  unmount(): Promise<void>;
}

/** Options of {@link mountTmpfs}. */
export interface MountTmpfsOptions {
  /** Size of the file system in bytes (rounded up to pages by the kernel). */
  readonly sizeBytes: number;
  /** Mount it read-only. Default false. */
  readonly readOnly?: boolean;
}

/**
 * Mounts a tmpfs of `sizeBytes` on a fresh temporary folder, for disk-full and read-only tests. Needs
 * Linux and the right to mount (root, or `CAP_SYS_ADMIN` in a container); returns the reason as a
 * string when the system refuses, so a test can say what it could not do.
 *
 * @example
 * ```ts
 * const disk = await mountTmpfs({ sizeBytes: 1 << 20 });
 * if (typeof disk === 'string') return context.skip(disk);
 * try { ... } finally { await disk.unmount(); }
 * ```
 */
export async function mountTmpfs(options: MountTmpfsOptions): Promise<MountedTmpfs | string> {
  if (process.platform !== 'linux') return `cannot mount a tmpfs on ${process.platform}`;
  const path = await mkdtemp(join(tmpdir(), 'musicgen-tmpfs-'));
  const flags = `size=${options.sizeBytes}${options.readOnly ? ',ro' : ''}`;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', path]);
  } catch (error) {
    await rm(path, { recursive: true, force: true });
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    return `cannot mount a tmpfs here (${stderr.split('\n')[0]})`;
  }
  return {
    path,
    async unmount() {
      await run('umount', [path]);
      await rm(path, { recursive: true, force: true });
    },
  };
}
