import { status } from '@grpc/grpc-js';
import { readErrorTag, type ErrorClass } from '@musicgen/contract';

const STATUS_OF_CLASS: Readonly<Record<ErrorClass, status>> = Object.freeze({
  INVALID_ARG: status.INVALID_ARGUMENT,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
});

/**
 * The status and message of a model's error: when the message starts with a class tag of the model
 * contract (`[INVALID_ARG] …`), the status the tag names and the message without it; otherwise
 * `code` and `details` unchanged. Errors inside a stream arrive without a status (`UNKNOWN`), so the tag
 * is the only way their class can reach the client.
 *
 * @example
 * ```ts
 * modelError(status.UNKNOWN, '[INVALID_ARG] Cannot accept request as …');
 * // { code: status.INVALID_ARGUMENT, details: 'Cannot accept request as …' }
 * ```
 */
export function modelError(code: status, details: string): { code: status; details: string } {
  const tagged = readErrorTag(details);
  if (tagged === undefined) return { code, details: withoutEmptyNote(details) };
  return { code: STATUS_OF_CLASS[tagged.errorClass], details: tagged.message };
}

/**
 * grpc-js ends connection failures with `Resolution note: ` and nothing after it when the address
 * resolved fine; the empty note is noise in a one-line error.
 */
function withoutEmptyNote(details: string): string {
  return details.replace(/\.? Resolution note:\s*$/, '');
}
