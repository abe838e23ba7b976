import { open } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';

/**
 * Writes `source` to a new file at `path` (it must not exist) and flushes it to the disk. Returns the
 * bytes written. The caller removes the file when this rejects.
 */
export async function writeDurably(path: string, source: Readable, signal?: AbortSignal): Promise<number> {
  const handle = await open(path, 'wx');
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
