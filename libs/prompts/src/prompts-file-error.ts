/**
 * Why a prompts file as a whole cannot be used:
 * - `NOT_FOUND`: no file at that path;
 * - `NOT_A_FILE`: a directory, FIFO, socket or device;
 * - `TOO_LARGE`: more bytes than the `maxBytes` option allows;
 * - `NOT_UTF8`: invalid UTF-8 or a NUL byte (binary data, or UTF-16 text);
 * - `NO_PROMPTS`: empty, or only blank lines and `#` comments;
 * - `READ_FAILED`: the system refused to read it (permissions, I/O error).
 */
export type PromptsFileErrorCode =
  'NOT_FOUND' | 'NOT_A_FILE' | 'TOO_LARGE' | 'NOT_UTF8' | 'NO_PROMPTS' | 'READ_FAILED';

/**
 * A prompts file that cannot be used at all. The message is one line, fit to show to a user as is;
 * branch on `code`. Problems with single lines are not thrown: they are collected as
 * {@link PromptLineError}s.
 *
 * @example
 * ```ts
 * import { readPromptsFile, PromptsFileError } from '@musicgen/prompts';
 * try {
 *   await readPromptsFile('missing.txt');
 * } catch (error) {
 *   if (error instanceof PromptsFileError && error.code === 'NOT_FOUND') console.error(error.message);
 *   // Cannot read prompts file "missing.txt": no such file
 * }
 * ```
 */
export class PromptsFileError extends Error {
  override readonly name = 'PromptsFileError';

  constructor(
    /** Stable reason to branch on. */
    readonly code: PromptsFileErrorCode,
    /** The file path or source name the error is about. */
    readonly source: string,
    /** What is wrong, e.g. `no such file`; the message is `Cannot read prompts file "<source>": <reason>`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot read prompts file ${JSON.stringify(source)}: ${reason}`, options);
  }
}
