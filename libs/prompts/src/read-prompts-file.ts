import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { collect, type PromptsParseResult } from './parse-prompts.js';
import { resolveParseOptions, type ParsePromptsOptions } from './parse-prompts-options.js';
import { PromptsFileError } from './prompts-file-error.js';
import { formatBytes, readLines } from './read-lines.js';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads and parses a prompts file from disk, streaming it in 1 MiB chunks. Options as for
 * {@link parsePrompts}; `source` defaults to `path`. A file over `maxBytes` is refused from its size
 * alone, before reading it.
 *
 * @example
 * ```ts
 * import { readPromptsFile, formatPromptErrors } from '@musicgen/prompts';
 * const result = await readPromptsFile('prompts.txt', { maxDurationSeconds: 120 });
 * for (const line of formatPromptErrors(result)) console.error(line); // prompts.txt:3:14: ...
 * ```
 *
 * @throws {TypeError | RangeError} when an option is invalid (before touching the file).
 * @throws {PromptsFileError} `NOT_FOUND`, `NOT_A_FILE`, `TOO_LARGE`, `NOT_UTF8`, `NO_PROMPTS` or
 * `READ_FAILED`, with a one-line message.
 */
export async function readPromptsFile(
  path: string,
  options: ParsePromptsOptions = {},
): Promise<PromptsParseResult> {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(
      `Cannot read prompts file: path must be a non-empty string: got ${JSON.stringify(path)}`,
    );
  }
  const resolved = resolveParseOptions(options, path);
  const { source } = resolved;
  try {
    await checkPromptsFile(path, options);
    return await collect(
      readLines(createReadStream(path, { highWaterMark: CHUNK_BYTES }), resolved),
      resolved,
    );
  } catch (error) {
    throw asFileError(error, source);
  }
}

/**
 * Checks, without reading it, that a prompts file can be read: it exists, is a regular file and is
 * within `maxBytes`. Lets a tool refuse a wrong path at once, before slower work; {@link readPromptsFile}
 * makes the same checks.
 *
 * @example
 * ```ts
 * await checkPromptsFile('prompts.txt'); // throws PromptsFileError NOT_FOUND when it is not there
 * ```
 *
 * @throws {PromptsFileError} `NOT_FOUND`, `NOT_A_FILE`, `TOO_LARGE` or `READ_FAILED`, with a one-line message.
 */
export async function checkPromptsFile(
  path: string,
  options: Pick<ParsePromptsOptions, 'source' | 'maxBytes'> = {},
): Promise<void> {
  const { source, maxBytes } = resolveParseOptions(options, path);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new PromptsFileError('NOT_A_FILE', source, 'it is a directory, not a file');
    if (!info.isFile()) {
      throw new PromptsFileError('NOT_A_FILE', source, 'it is not a regular file (a FIFO, socket or device)');
    }
    if (info.size > maxBytes) {
      throw new PromptsFileError(
        'TOO_LARGE',
        source,
        `it is ${formatBytes(info.size)}, over the maxBytes limit of ${formatBytes(maxBytes)}`,
      );
    }
  } catch (error) {
    throw asFileError(error, source);
  }
}

function asFileError(error: unknown, source: string): unknown {
  if (error instanceof PromptsFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new PromptsFileError('NOT_FOUND', source, 'no such file', { cause: error });
    case 'ENOTDIR':
      return new PromptsFileError(
        'NOT_FOUND',
        source,
        'no such file (a part of the path is not a directory)',
        {
          cause: error,
        },
      );
    case 'EISDIR':
      return new PromptsFileError('NOT_A_FILE', source, 'it is a directory, not a file', { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new PromptsFileError('READ_FAILED', source, 'permission denied', { cause: error });
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new PromptsFileError('READ_FAILED', source, `reading failed: ${detail}`, { cause: error });
    }
  }
}
