import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  status,
  type MethodDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadInferenceService } from '../grpc/load-inference-service.js';
import type {
  ModelConfig,
  ModelConfigResponse,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelStreamInferResponse,
  ServerMetadataResponse,
} from '../grpc/messages.js';
import { TRITON_ENABLE_EMPTY_FINAL_RESPONSE } from '../grpc/reserved-parameters.js';
import { decodeStreamResponse } from '../grpc/decode-stream-response.js';
import { TritonError } from '../errors/triton-error.js';
import { retryWithBackoff } from '../retry/backoff.js';
import { InferStream } from './infer-stream.js';
import { fromWireResponse, toWireRequest, type InferRequest, type InferResult } from './infer-types.js';
import {
  resolveTritonClientOptions,
  type ResolvedTritonClientOptions,
  type TritonClientOptions,
} from './triton-client-options.js';
import { modelError } from '../errors/model-error.js';

/** Per-call options. */
export interface CallOptions {
  /** Stops waiting: the call is cancelled and the promise rejects with the signal's reason (an AbortError by default). */
  readonly signal?: AbortSignal;
  /** Overrides the client's deadline for this call, in ms. */
  readonly deadlineMs?: number;
}

/** Options of {@link TritonClient.infer}. */
export interface InferOptions extends CallOptions {
  /** The request may be repeated safely (e.g. decoding codes), so UNAVAILABLE is retried. Default false. */
  readonly idempotent?: boolean;
}

/** Options of {@link TritonClient.streamInfer}. */
export interface StreamInferOptions extends CallOptions {
  /** Called with every non-empty response of this request, in order, before the promise settles. */
  readonly onResponse?: (result: InferResult) => void;
  /**
   * Keep the responses and resolve with them. Default true; with false the promise resolves with an
   * empty list, and responses reach only `onResponse` (less memory held while the request runs).
   */
  readonly collect?: boolean;
}

type Method = MethodDefinition<object, unknown>;

/**
 * A typed client for Triton's gRPC API (`inference.GRPCInferenceService`): health, metadata, config,
 * unary inference and streaming inference multiplexed over one long-lived bidirectional stream.
 * Health, metadata and config calls (and unary inference marked idempotent) retry UNAVAILABLE with
 * backoff; stream requests are never retried here. Failures are {@link TritonError}s.
 *
 * @example
 * ```ts
 * const client = new TritonClient({ address: '127.0.0.1:8001' });
 * if (await client.serverReady()) console.log(await client.modelMetadata('musicgen_lm'));
 * client.close();
 * ```
 */
export class TritonClient {
  /** The address this client talks to (or `injected` for an injected grpc client). */
  readonly address: string;
  private readonly options: ResolvedTritonClientOptions;
  private readonly grpc: Client;
  private readonly ownsGrpc: boolean;
  private readonly methods = loadInferenceService();
  private readonly streamMethod = fastStreamMethod(
    this.methods['ModelStreamInfer'] as MethodDefinition<ModelInferRequest, ModelStreamInferResponse>,
  );
  private sharedStream: InferStream | undefined;
  private readonly oneShotStreams = new Set<InferStream>();
  private nextId = 0;
  private closed = false;

  constructor(options: TritonClientOptions) {
    this.options = resolveTritonClientOptions(options);
    const { grpcClient, address } = this.options;
    this.address = address ?? 'injected';
    this.ownsGrpc = grpcClient === undefined;
    this.grpc =
      grpcClient ??
      new Client(this.address, this.options.credentials ?? grpcCredentials.createInsecure(), {
        'grpc.keepalive_time_ms': this.options.keepaliveTimeMs,
        'grpc.keepalive_timeout_ms': this.options.keepaliveTimeoutMs,
        'grpc.max_receive_message_length': this.options.maxReceiveMessageBytes,
        'grpc.max_send_message_length': this.options.maxSendMessageBytes,
        ...this.options.channelOptions,
      });
  }

  /** Whether the server is live (`ServerLive`). */
  async serverLive(options: CallOptions = {}): Promise<boolean> {
    return (await this.unary<{ live: boolean }>('ServerLive', {}, options)).live;
  }

  /** Whether the server is ready for inference (`ServerReady`). */
  async serverReady(options: CallOptions = {}): Promise<boolean> {
    return (await this.unary<{ ready: boolean }>('ServerReady', {}, options)).ready;
  }

  /** Server name, version and extensions (`ServerMetadata`). */
  serverMetadata(options: CallOptions = {}): Promise<ServerMetadataResponse> {
    return this.unary<ServerMetadataResponse>('ServerMetadata', {}, options);
  }

  /** Whether one model (optionally one version) is ready (`ModelReady`). */
  async modelReady(model: string, options: CallOptions & { version?: string } = {}): Promise<boolean> {
    const request = { name: model, version: options.version ?? '' };
    return (await this.unary<{ ready: boolean }>('ModelReady', request, options, model)).ready;
  }

  /** A model's platform, versions and tensors (`ModelMetadata`); shapes as numbers (-1 = variable). */
  async modelMetadata(
    model: string,
    options: CallOptions & { version?: string } = {},
  ): Promise<ModelMetadataResponse> {
    const request = { name: model, version: options.version ?? '' };
    const metadata = await this.unary<ModelMetadataResponse>('ModelMetadata', request, options, model);
    const numeric = (t: ModelMetadataResponse['inputs'][number]) => ({ ...t, shape: t.shape.map(Number) });
    return { ...metadata, inputs: metadata.inputs.map(numeric), outputs: metadata.outputs.map(numeric) };
  }

  /** A model's configuration (`ModelConfig`); dims as numbers (-1 = variable). */
  async modelConfig(model: string, options: CallOptions & { version?: string } = {}): Promise<ModelConfig> {
    const request = { name: model, version: options.version ?? '' };
    const { config } = await this.unary<ModelConfigResponse>('ModelConfig', request, options, model);
    if (config === null) {
      throw new TritonError({
        code: status.INTERNAL,
        details: 'the response has no config',
        rpc: 'ModelConfig',
        model,
      });
    }
    return {
      ...config,
      input: config.input.map((t) => ({ ...t, dims: t.dims.map(Number) })),
      output: config.output.map((t) => ({ ...t, dims: t.dims.map(Number) })),
    };
  }

  /**
   * One unary inference (`ModelInfer`). Not for decoupled models: use {@link streamInfer}.
   *
   * @example
   * ```ts
   * const result = await client.infer(
   *   { model: 'encodec_decode', inputs: [{ name: 'CODES', datatype: 'INT32', shape: [1, 4, 50], data: codes }] },
   *   { idempotent: true },
   * );
   * ```
   */
  async infer(request: InferRequest, options: InferOptions = {}): Promise<InferResult> {
    const id = this.newId();
    const wire = toWireRequest(request, id);
    const response = await this.unary<ModelInferResponse>(
      'ModelInfer',
      wire,
      { deadlineMs: this.options.inferDeadlineMs, ...options },
      request.model,
      options.idempotent ?? false,
      id,
    );
    try {
      return fromWireResponse(response);
    } catch (cause) {
      throw new TritonError({
        code: status.INTERNAL,
        details: (cause as Error).message,
        rpc: 'ModelInfer',
        model: request.model,
        requestId: id,
        cause,
      });
    }
  }

  /**
   * Sends one request on the shared `ModelStreamInfer` stream (opened on first use, reopened after a
   * failure) with `triton_enable_empty_final_response`, and resolves with its non-empty responses once
   * the response flagged `triton_final_response` arrives. Aborting stops waiting at once; on a shared
   * stream the server keeps working on the request (see `streamMode`).
   *
   * @example
   * ```ts
   * const responses = await client.streamInfer(request, { onResponse: (r) => console.log(r.outputs) });
   * ```
   */
  streamInfer(request: InferRequest, options: StreamInferOptions = {}): Promise<InferResult[]> {
    const callSite = new Error();
    if (this.closed)
      return Promise.reject(this.closedError('ModelStreamInfer', request.model).withCallSite(callSite));
    let wire: ModelInferRequest;
    try {
      wire = toWireRequest(request, this.newId());
    } catch (error) {
      return Promise.reject(error);
    }
    (wire.parameters as Record<string, object>)[TRITON_ENABLE_EMPTY_FINAL_RESPONSE] = { bool_param: true };
    const stream = this.streamFor();
    const sent = stream.send(wire, {
      signal: options.signal,
      deadlineMs: options.deadlineMs ?? this.options.streamRequestDeadlineMs,
      onResponse: options.onResponse,
      collect: options.collect ?? true,
      callSite,
    });
    if (stream === this.sharedStream) return sent;
    this.oneShotStreams.add(stream);
    return sent.finally(() => this.oneShotStreams.delete(stream));
  }

  /** Requests in flight on streams. */
  get streamRequestsInFlight(): number {
    let count = this.sharedStream?.inFlight ?? 0;
    for (const stream of this.oneShotStreams) count += stream.inFlight;
    return count;
  }

  /** Closes streams (requests in flight fail with CANCELLED) and the channel unless it was injected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [this.sharedStream, ...this.oneShotStreams]) {
      stream?.cancel(this.closedError('ModelStreamInfer'));
    }
    this.oneShotStreams.clear();
    if (this.ownsGrpc) this.grpc.close();
  }

  private streamFor(): InferStream {
    const method = this.streamMethod;
    if (this.options.streamMode === 'per-request')
      return new InferStream(this.grpc, this.address, method, true);
    this.sharedStream ??= new InferStream(this.grpc, this.address, method, false);
    return this.sharedStream;
  }

  private newId(): string {
    this.nextId += 1;
    return String(this.nextId);
  }

  private closedError(rpc: string, model?: string): TritonError {
    return new TritonError({
      code: status.CANCELLED,
      details: `client for ${this.address} was closed`,
      rpc,
      model,
    });
  }

  private unary<T>(
    rpc: string,
    request: object,
    options: CallOptions,
    model?: string,
    idempotent = true,
    requestId?: string,
  ): Promise<T> {
    const callSite = new Error();
    const method = this.methods[rpc] as Method;
    const deadline = Date.now() + (options.deadlineMs ?? this.options.deadlineMs);
    const { signal } = options;
    const attempt = (): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        if (this.closed) return reject(this.closedError(rpc, model).withCallSite(callSite));
        const onAbort = (): void => {
          call.cancel();
          reject(signal?.reason);
        };
        const call = this.grpc.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          new Metadata(),
          { deadline },
          (error: ServiceError | null, response?: unknown) => {
            signal?.removeEventListener('abort', onAbort);
            if (error === null) return resolve(response as T);
            if (signal?.aborted) return;
            const init = {
              ...modelError(error.code, error.details),
              rpc,
              model,
              requestId,
              metadata: error.metadata,
            };
            reject(new TritonError({ ...init, cause: error }).withCallSite(callSite));
          },
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    return retryWithBackoff(attempt, {
      ...this.options.backoff,
      maxAttempts: idempotent ? this.options.maxAttempts : 1,
      shouldRetry: (error) => error instanceof TritonError && error.code === status.UNAVAILABLE,
      signal,
    });
  }
}

/** The ModelStreamInfer method with the hand-written response decoder of the stream's hot path. */
function fastStreamMethod(
  method: MethodDefinition<ModelInferRequest, ModelStreamInferResponse>,
): MethodDefinition<ModelInferRequest, ModelStreamInferResponse> {
  const slow = method.responseDeserialize;
  return { ...method, responseDeserialize: (bytes: Buffer) => decodeStreamResponse(bytes, slow) };
}
