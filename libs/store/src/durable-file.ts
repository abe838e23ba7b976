import { open, type FileHandle } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';

/** Opens a new file at `path` for writing; fails with `EEXIST` when it exists. */
export function openNewFile(path: string): Promise<FileHandle> {
  return open(path, 'wx');
}

/**
 * Writes `source` to a new file, given as a path (it must not exist) or as a handle from
 * {@link openNewFile} (closed here), and flushes it to the disk. Returns the bytes written. The caller
 * removes the file when this rejects.
 */
export async function writeDurably(
  target: string | FileHandle,
  source: Readable,
  signal?: AbortSignal,
): Promise<number> {
  const handle = typeof target === 'string' ? await openNewFile(target) : target;
  try {
    if (signal) addAbortSignal(signal, source);
    let bytes = 0;
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      let written = 0;
      while (written < chunk.byteLength) {
        written += (await handle.write(chunk, written, chunk.byteLength - written)).bytesWritten;
      }
      bytes += chunk.byteLength;
    }
    await handle.sync();
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (renames) to the disk, where the platform allows it. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
