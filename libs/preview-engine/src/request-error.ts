import { status } from '@grpc/grpc-js';
import { tagError, type ErrorClass } from '@musicgen/contract';

/**
 * A request the engine refuses, with the gRPC status it maps to (INVALID_ARGUMENT for bad inputs,
 * NOT_FOUND for unknown models, UNIMPLEMENTED, UNAVAILABLE while shutting down). On a stream only
 * the message travels (as `error_message`), exactly as Triton does. Errors of a model (bad inputs, a
 * failed generation) carry a contract error class, sent as the message's tag like a real model does;
 * errors of the server itself (unknown model, wrong RPC) carry none.
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly code: status,
    message: string,
    readonly errorClass?: ErrorClass,
  ) {
    super(message);
  }

  /** The message as it goes on the wire: with the class tag when the error is a model's. */
  get wireMessage(): string {
    return this.errorClass === undefined ? this.message : tagError(this.errorClass, this.message);
  }
}

/** Shorthand for a model's INVALID_ARGUMENT error (tagged `[INVALID_ARG]` on the wire). */
export function invalidArgument(message: string): RequestError {
  return new RequestError(status.INVALID_ARGUMENT, message, 'INVALID_ARG');
}

/** A model's failure (tagged `[INTERNAL]` on the wire). */
export function modelFailure(error: unknown): RequestError {
  return new RequestError(status.INTERNAL, `preview engine failed: ${String(error)}`, 'INTERNAL');
}
