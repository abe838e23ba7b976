import { TritonError } from '@musicgen/triton-client';

/** gRPC statuses that say nothing is wrong with the request itself: worth another attempt. */
const RETRYABLE_STATUSES: ReadonlySet<string> = new Set([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'INTERNAL',
  'UNKNOWN',
  'CANCELLED',
]);

/**
 * Whether a failed window or decode is worth trying again: Triton errors with a transient status
 * (unavailable, deadline, resource exhausted, aborted, internal, unknown, cancelled by the server).
 * Requests the client refused to send (RangeError, TypeError) and statuses such as INVALID_ARGUMENT
 * are not.
 *
 * @example
 * ```ts
 * isRetryableError(new TritonError({ code: 14, details: 'connection refused', rpc: 'ModelStreamInfer' })); // true
 * ```
 */
export function isRetryableError(error: unknown): boolean {
  return error instanceof TritonError && RETRYABLE_STATUSES.has(error.codeName);
}

/**
 * One line describing an error for the report and the log: a TritonError's status and Triton's message,
 * otherwise the message.
 *
 * @example
 * ```ts
 * describeError(new TritonError({ code: 14, details: 'No connection established', rpc: 'ModelStreamInfer' }));
 * // 'UNAVAILABLE: No connection established'
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof TritonError) return `${error.codeName}: ${error.details}`.replace(/\s+/g, ' ');
  if (error instanceof Error) return error.message.replace(/\s+/g, ' ');
  return String(error);
}
