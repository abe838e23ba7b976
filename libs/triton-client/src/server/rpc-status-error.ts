import type { status } from '@grpc/grpc-js';

/**
 * A handler's failure with the gRPC status it answers: a unary call fails with `code` and `details`;
 * on a stream only `details` travels, as the request's `error_message`, as Triton does.
 *
 * @example
 * ```ts
 * throw new RpcStatusError(status.INVALID_ARGUMENT, 'CODES must be an INT32 input');
 * ```
 */
export class RpcStatusError extends Error {
  override readonly name = 'RpcStatusError';

  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }
}

/**
 * Triton's message for a model it does not serve.
 *
 * @example
 * ```ts
 * unknownModelMessage('musicgen_xl'); // "Request for unknown model: 'musicgen_xl' is not found"
 * unknownModelMessage('musicgen_lm', '2'); // "Request for unknown model: 'musicgen_lm' version 2 is not found"
 * ```
 */
export function unknownModelMessage(name: string, version = ''): string {
  return version === ''
    ? `Request for unknown model: '${name}' is not found`
    : `Request for unknown model: '${name}' version ${version} is not found`;
}
