/**
 * Error classes that survive the wire (contract v1.1). Triton forwards a streaming model's error as a
 * bare message, so every error a model of the contract returns starts with a class tag, e.g.
 * `[INVALID_ARG] Cannot accept request as input 'NUM_FRAMES' must be >= 1: current value is 0`. The
 * client maps the tag back to a status and retries only what can succeed on retry.
 *
 * @module
 */

/** The classes, named after Triton's error codes. */
export const ERROR_CLASSES = Object.freeze(['INVALID_ARG', 'UNAVAILABLE', 'INTERNAL'] as const);

/** One error class: INVALID_ARG (the request is wrong: never retry), UNAVAILABLE (busy or restarting: retry), INTERNAL (the server failed: retry a bounded number of times). */
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const TAG = /^\[(INVALID_ARG|UNAVAILABLE|INTERNAL)\] /;

/**
 * A message with its class tag in front, as a model of the contract sends it.
 *
 * @example
 * ```ts
 * tagError('UNAVAILABLE', 'Cannot accept request as the queue is full'); // '[UNAVAILABLE] Cannot accept …'
 * ```
 */
export function tagError(errorClass: ErrorClass, message: string): string {
  return `[${errorClass}] ${message}`;
}

/**
 * The class and the message without its tag, or undefined when the message carries no tag (an error
 * from Triton itself, or from a server older than contract v1.1).
 *
 * @example
 * ```ts
 * readErrorTag('[INVALID_ARG] Cannot decode as …'); // { errorClass: 'INVALID_ARG', message: 'Cannot decode as …' }
 * ```
 */
export function readErrorTag(message: string): { errorClass: ErrorClass; message: string } | undefined {
  const match = TAG.exec(message);
  if (match === null) return undefined;
  return { errorClass: match[1] as ErrorClass, message: message.slice(match[0].length) };
}
