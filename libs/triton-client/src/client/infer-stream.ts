import {
  Metadata,
  status,
  type Client,
  type ClientDuplexStream,
  type MethodDefinition,
  type StatusObject,
} from '@grpc/grpc-js';
import type { ModelInferRequest, ModelStreamInferResponse } from '../grpc/messages.js';
import { TRITON_FINAL_RESPONSE } from '../grpc/reserved-parameters.js';
import { TritonError } from '../errors/triton-error.js';
import { fromWireResponse, type InferResult } from './infer-types.js';
import { modelError } from '../errors/model-error.js';

type StreamMethod = MethodDefinition<ModelInferRequest, ModelStreamInferResponse>;

/** Per-request handling on a stream. */
export interface StreamRequestOptions {
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds until the request fails with DEADLINE_EXCEEDED; 0 for none. */
  readonly deadlineMs: number;
  readonly onResponse?: ((result: InferResult) => void) | undefined;
  /** Keep the responses for the resolved list. */
  readonly collect: boolean;
  readonly callSite: Error;
}

interface Pending {
  readonly model: string;
  readonly results: InferResult[];
  readonly options: StreamRequestOptions;
  readonly settle: (error: unknown, results?: InferResult[]) => void;
}

/**
 * One bidirectional `ModelStreamInfer` call carrying many requests, matched to their responses by
 * request id. Opened lazily on the first request; once the call ends or fails, every request still in
 * flight fails with UNAVAILABLE and the next request opens a new call. Writes respect backpressure:
 * when grpc-js reports a full buffer, later requests wait for 'drain' in order.
 */
export class InferStream {
  private call: ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly queue: ModelInferRequest[] = [];
  private blocked = false;
  /** Responses whose id matched no request in flight (late answers to aborted or expired requests). */
  unmatchedResponses = 0;

  constructor(
    private readonly grpcClient: Client,
    private readonly address: string,
    private readonly method: StreamMethod,
    private readonly oneShot: boolean,
  ) {}

  /** Requests sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request (its `id` must be unique on this stream) and resolves with its non-empty responses. */
  send(request: ModelInferRequest, options: StreamRequestOptions): Promise<InferResult[]> {
    const id = request.id ?? '';
    const model = request.model_name;
    return new Promise<InferResult[]>((resolve, reject) => {
      const { signal, deadlineMs, callSite } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        settle(signal?.reason);
        if (this.oneShot) this.call?.cancel();
      };
      const settle = (error: unknown, results?: InferResult[]): void => {
        if (this.pending.get(id)?.settle !== settle) return;
        this.pending.delete(id);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.oneShot) this.call?.end();
        if (error === undefined) resolve(results ?? []);
        else reject(error instanceof TritonError ? error.withCallSite(callSite) : error);
      };
      if (deadlineMs > 0) {
        timer = setTimeout(() => {
          const details = `deadline of ${deadlineMs} ms exceeded while waiting for the final response`;
          settle(this.error(status.DEADLINE_EXCEEDED, details, model, id));
          if (this.oneShot) this.call?.cancel();
        }, deadlineMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { model, results: [], options, settle });
      this.write(request);
    });
  }

  /** Cancels the call; every request in flight fails with `reason`. */
  cancel(reason: TritonError): void {
    const call = this.call;
    this.call = undefined;
    this.failAll(() => reason);
    call?.cancel();
  }

  private write(request: ModelInferRequest): void {
    const call = this.call ?? this.open();
    if (this.blocked) {
      this.queue.push(request);
      return;
    }
    if (!call.write(request)) this.blocked = true;
  }

  private flush(call: ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse>): void {
    this.blocked = false;
    while (this.call === call && !this.blocked && this.queue.length > 0) {
      if (!call.write(this.queue.shift() as ModelInferRequest)) this.blocked = true;
    }
  }

  private open(): ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse> {
    const { path, requestSerialize, responseDeserialize } = this.method;
    const call = this.grpcClient.makeBidiStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      new Metadata(),
    );
    this.call = call;
    this.blocked = false;
    this.queue.length = 0;
    call.on('data', (message: ModelStreamInferResponse) => this.onMessage(message));
    call.on('drain', () => this.flush(call));
    call.on('error', () => undefined);
    call.on('status', (end: StatusObject) => this.onStatus(call, end));
    return call;
  }

  private onStatus(
    call: ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse>,
    end: StatusObject,
  ): void {
    if (this.call !== call) return;
    this.call = undefined;
    const count = this.pending.size;
    if (count === 0) return;
    const why =
      end.code === status.OK ? 'the server ended the stream' : `${end.details} (${status[end.code]})`;
    const details = `stream to ${this.address} closed while ${count} requests were in flight: ${why}`;
    this.failAll((model, id) => this.error(status.UNAVAILABLE, details, model, id, end.metadata));
  }

  private failAll(reason: (model: string, id: string) => TritonError): void {
    for (const [id, pending] of [...this.pending]) pending.settle(reason(pending.model, id));
  }

  private onMessage(message: ModelStreamInferResponse): void {
    const response = message.infer_response;
    const id = response?.id ?? '';
    const pending = this.pending.get(id);
    if (pending === undefined) {
      this.unmatchedResponses++;
      return;
    }
    if (message.error_message) {
      const { code, details } = modelError(status.UNKNOWN, message.error_message);
      pending.settle(this.error(code, details, pending.model, id));
      return;
    }
    if (response === undefined || response === null) return;
    let result: InferResult;
    try {
      result = fromWireResponse(response);
    } catch (cause) {
      pending.settle(
        this.error(status.INTERNAL, (cause as Error).message, pending.model, id, undefined, cause),
      );
      return;
    }
    if (response.outputs.length > 0) {
      if (pending.options.collect) pending.results.push(result);
      try {
        pending.options.onResponse?.(result);
      } catch (error) {
        pending.settle(error);
        return;
      }
    }
    if ((result.parameters[TRITON_FINAL_RESPONSE] ?? true) === true)
      pending.settle(undefined, pending.results);
  }

  private error(
    code: status,
    details: string,
    model: string,
    requestId: string,
    metadata?: Metadata,
    cause?: unknown,
  ): TritonError {
    return new TritonError({ code, details, rpc: 'ModelStreamInfer', model, requestId, metadata, cause });
  }
}
