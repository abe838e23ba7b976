import { status } from '@grpc/grpc-js';

/**
 * A request the engine refuses, with the gRPC status it maps to (INVALID_ARGUMENT for bad inputs,
 * NOT_FOUND for unknown models, UNIMPLEMENTED, UNAVAILABLE while shutting down). On a stream only
 * the message travels (as `error_message`), exactly as Triton does.
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/** Shorthand for an INVALID_ARGUMENT request error. */
export function invalidArgument(message: string): RequestError {
  return new RequestError(status.INVALID_ARGUMENT, message);
}
