import { status, type Metadata } from '@grpc/grpc-js';

/** What a {@link TritonError} carries besides its message. */
export interface TritonErrorInit {
  /** gRPC status code (numeric), e.g. 14 for UNAVAILABLE. */
  readonly code: status;
  /** Triton's (or the transport's) own message: gRPC `details`, or a stream's `error_message`. */
  readonly details: string;
  /** The call that failed, e.g. `ModelInfer` or `ModelStreamInfer`. */
  readonly rpc: string;
  /** Model name, when the call concerns one model. */
  readonly model?: string;
  /** Request id, for inference requests. */
  readonly requestId?: string;
  /** Trailing metadata of the failed call, when there was one. */
  readonly metadata?: Metadata;
  /** Underlying error (a grpc-js ServiceError, a decoding RangeError, ...). */
  readonly cause?: unknown;
}

/**
 * The one error type for failed Triton calls: the gRPC status (numeric `code` and `codeName`),
 * Triton's message (`details`), the model and request id when known, and a stack that starts at the
 * caller's call site rather than inside grpc-js. Errors inside a shared stream (a response with
 * `error_message`) fail only their own request and carry `code` UNKNOWN, because Triton sends no
 * status for them.
 *
 * @example
 * ```ts
 * try {
 *   await client.modelConfig('musicgen_lm');
 * } catch (error) {
 *   if (error instanceof TritonError && error.codeName === 'NOT_FOUND') console.error(error.details);
 * }
 * ```
 */
export class TritonError extends Error {
  override readonly name = 'TritonError';
  readonly code: status;
  readonly codeName: string;
  readonly details: string;
  readonly rpc: string;
  readonly model: string | undefined;
  readonly requestId: string | undefined;
  readonly metadata: Metadata | undefined;

  constructor(init: TritonErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.codeName = statusName(init.code);
    this.details = init.details;
    this.rpc = init.rpc;
    this.model = init.model;
    this.requestId = init.requestId;
    this.metadata = init.metadata;
  }

  /** Replaces the stack below the message with the frames of `callSite` (an Error made by the caller). */
  withCallSite(callSite: Error): this {
    const frames = callSite.stack?.split('\n').slice(1).join('\n') ?? '';
    this.stack = `${this.name}: ${this.message}\n${frames}`;
    return this;
  }
}

/** Name of a gRPC status code, e.g. `statusName(14) === 'UNAVAILABLE'`. */
export function statusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? `STATUS_${code}`;
}

function formatMessage({ rpc, model, requestId, code, details }: TritonErrorInit): string {
  const target = model === undefined ? '' : ` for model '${model}'`;
  const request = requestId === undefined ? '' : ` (request ${requestId})`;
  return `${rpc}${target}${request} failed with ${statusName(code)}: ${details}`;
}
