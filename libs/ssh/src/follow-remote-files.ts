import type { SFTPWrapper } from 'ssh2';
import { backoffDelayMs, sleep } from './backoff.js';
import type { SshConnection } from './connect-ssh.js';
import { statRemote } from './remote-files.js';
import { SshError } from './ssh-errors.js';

/** Options of {@link followRemoteFiles}. Times are in milliseconds. */
export interface FollowRemoteFilesOptions {
  /** Opens a connection; called again after a drop (with backoff). */
  readonly connect: () => Promise<SshConnection>;
  /** The files to follow, asked again on every poll (new files join; a file may not exist yet). */
  readonly files: (sftp: SFTPWrapper) => Promise<readonly string[]>;
  /** Called with each complete line (without its newline), in file order, exactly once. */
  readonly onLine: (file: string, line: string) => void;
  /** Where to begin in a file seen for the first time. Default: the beginning. */
  readonly startAt?: 'beginning' | { readonly lastLines: number };
  /** Asked after each poll that found nothing new: resolve true to stop. Default: never stop. */
  readonly done?: (sftp: SFTPWrapper, connection: SshConnection) => Promise<boolean>;
  /** Called when the connection dropped or could not be opened, before waiting `delayMs`. */
  readonly onReconnect?: (attempt: number, delayMs: number, error: unknown) => void;
  /** Time between polls. Default: 500. */
  readonly pollIntervalMs?: number;
  /** Give up after this many failed connection attempts in a row. Default: unlimited. */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
}

/** Bytes read per file and poll at most, so one huge file cannot starve the others. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** How far back `lastLines` looks for line starts. */
const TAIL_WINDOW_BYTES = 256 * 1024;

interface FileState {
  readonly offset: number;
  readonly partial: Buffer;
}

function readRange(sftp: SFTPWrapper, handle: Buffer, position: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buffer = Buffer.alloc(length);
    sftp.read(handle, buffer, 0, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(buffer.subarray(0, bytesRead)),
    );
  });
}

async function readFrom(sftp: SFTPWrapper, path: string, position: number, length: number): Promise<Buffer> {
  const handle = await new Promise<Buffer>((resolve, reject) => {
    sftp.open(path, 'r', (error, h) => (error ? reject(error) : resolve(h)));
  });
  try {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < length) {
      const part = await readRange(sftp, handle, position + got, Math.min(64 * 1024, length - got));
      if (part.length === 0) break;
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts);
  } finally {
    await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
  }
}

async function tailOffset(sftp: SFTPWrapper, path: string, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  const start = Math.max(0, size - TAIL_WINDOW_BYTES);
  const window = await readFrom(sftp, path, start, size - start);
  let end = window.length;
  if (end > 0 && window[end - 1] === 0x0a) end -= 1;
  let found = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (window[i] === 0x0a && ++found === lines) return start + i + 1;
  }
  return start;
}

/**
 * Follows files on the pod like `tail -F`, over SFTP, surviving dropped connections: it reconnects with
 * backoff and goes on from the byte offset it had reached, so no line is repeated or lost. Only complete
 * lines are delivered (a line still being written waits for its newline). A file that shrinks (rotated
 * or truncated) is read again from its start. Resolves when `done` says so; rejects when aborted, when
 * `maxAttempts` connections failed in a row, or at once on an `SshError` other than `CONNECT_FAILED`
 * (a refused host key or login, or one that `done` throws).
 *
 * @example
 * ```ts
 * await followRemoteFiles({
 *   connect: () => connectSsh({ host, settings }),
 *   files: async () => ['/workspace/musicgen/runs/songs/run.log'],
 *   onLine: (_file, line) => console.log(line),
 *   done: async (sftp) => (await statRemote(sftp, '/workspace/musicgen/runs/songs/exit-code')) !== undefined,
 * });
 * ```
 */
export async function followRemoteFiles(options: FollowRemoteFilesOptions): Promise<void> {
  const { pollIntervalMs = 500, startAt = 'beginning', signal } = options;
  const states = new Map<string, FileState>();
  let connection: SshConnection | undefined;
  let failures = 0;
  let pollGeneration = 0;

  /** Reads what is new in every file; `current()` is false once this poll was abandoned. */
  const poll = async (sftp: SFTPWrapper, current: () => boolean): Promise<boolean> => {
    let progressed = false;
    for (const path of await options.files(sftp)) {
      const stats = await statRemote(sftp, path);
      if (stats === undefined) continue;
      let state = states.get(path);
      if (state === undefined) {
        const offset =
          startAt === 'beginning' ? 0 : await tailOffset(sftp, path, stats.size, startAt.lastLines);
        state = { offset, partial: Buffer.alloc(0) };
      }
      if (stats.size < state.offset) state = { offset: 0, partial: Buffer.alloc(0) };
      if (stats.size === state.offset) {
        if (current()) states.set(path, state);
        continue;
      }
      const data = await readFrom(
        sftp,
        path,
        state.offset,
        Math.min(READ_CHUNK_BYTES, stats.size - state.offset),
      );
      if (!current()) return false;
      let text = Buffer.concat([state.partial, data]);
      let newline = text.indexOf(0x0a);
      while (newline !== -1) {
        options.onLine(path, text.subarray(0, newline).toString('utf8').replace(/\r$/, ''));
        text = text.subarray(newline + 1);
        newline = text.indexOf(0x0a);
      }
      states.set(path, { offset: state.offset + data.length, partial: Buffer.from(text) });
      progressed = true;
    }
    return progressed;
  };

  try {
    for (;;) {
      signal?.throwIfAborted();
      try {
        connection ??= await options.connect();
        const current = connection;
        const generation = ++pollGeneration;
        const sftp = await current.sftp();
        // A request sent on a connection that has just been cut may never be answered: a poll ends when
        // the connection does, and a poll that lost the race changes nothing.
        const cut = current.closed.then(() => {
          throw new Error(`the connection to ${current.where} closed`);
        });
        cut.catch(() => undefined);
        const finished = await Promise.race([
          (async () => {
            const progressed = await poll(sftp, () => generation === pollGeneration);
            if (progressed || options.done === undefined || !(await options.done(sftp, current)))
              return false;
            // What was written between that poll and the end: read to the very end once more.
            let more = true;
            while (more) more = await poll(sftp, () => generation === pollGeneration);
            return true;
          })(),
          cut,
        ]);
        failures = 0;
        if (finished) return;
      } catch (error) {
        signal?.throwIfAborted();
        // Settings, trust and "no such thing" do not get better by retrying; a dropped connection may.
        if (error instanceof SshError && error.code !== 'CONNECT_FAILED') throw error;
        connection?.close();
        connection = undefined;
        failures += 1;
        if (options.maxAttempts !== undefined && failures >= options.maxAttempts) throw error;
        const delay = backoffDelayMs(failures - 1);
        options.onReconnect?.(failures, delay, error);
        await sleep(delay, signal);
        continue;
      }
      await sleep(pollIntervalMs, signal);
    }
  } finally {
    connection?.close();
  }
}
