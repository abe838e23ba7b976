import {
  Server,
  ServerCredentials,
  status,
  type ChannelOptions,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadInferenceService } from '../grpc/load-inference-service.js';
import type {
  ModelConfig,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelStreamInferResponse,
  ServerMetadataResponse,
} from '../grpc/messages.js';
import { TRITON_FINAL_RESPONSE } from '../grpc/reserved-parameters.js';
import { RpcStatusError, unknownModelMessage } from './rpc-status-error.js';
import { StreamCall, type StreamSend } from './stream-call.js';

/** One model a {@link startTritonServer} server serves. */
export interface ServedModel {
  readonly metadata: () => ModelMetadataResponse;
  readonly config: () => ModelConfig;
  /**
   * Unary inference: `ModelInfer`, and requests for this model on a stream (answered with one final
   * response). Without it `ModelInfer` answers UNIMPLEMENTED, as Triton does for a decoupled model.
   */
  readonly infer?: (request: ModelInferRequest) => ModelInferResponse | Promise<ModelInferResponse>;
  /**
   * One request on `ModelStreamInfer` (a decoupled model): `send` writes each response, the promise
   * settles when the request is done; `signal` aborts when the stream is cancelled or shut down.
   * A rejection becomes the request's `error_message`.
   */
  readonly stream?: (
    request: ModelInferRequest,
    send: StreamSend,
    signal: AbortSignal,
  ) => void | Promise<void>;
}

/** What a server does: which models it serves, how healthy it is, how it names itself. */
export interface TritonServerOptions {
  /** Address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** The server's `ServerMetadata` answer. */
  readonly metadata: ServerMetadataResponse;
  /** The model of a name and version (`''` for the latest), or undefined: NOT_FOUND, in Triton's words. */
  readonly model: (name: string, version: string) => ServedModel | undefined;
  /** `ServerLive` and `ServerReady` (ready turns false on close); may throw {@link RpcStatusError}. Default both true. */
  readonly health?: () => { live: boolean; ready: boolean };
  /** The status of an error a handler threw that is not an {@link RpcStatusError}. Default INTERNAL with its message. */
  readonly statusOf?: (error: unknown) => { code: status; details: string };
  /** Called with every RPC received (`ServerLive`, `ModelInfer`, `ModelStreamInfer.open`, ...). */
  readonly onCall?: (rpc: string) => void;
  /** Called with every inference request received, unary or streamed. */
  readonly onRequest?: (request: ModelInferRequest) => void;
  /**
   * On close, end the streams still open with this status at once; without it close waits for them.
   * Given the number of requests the stream had in flight.
   */
  readonly closeStreams?: (inFlight: number) => { code: status; details: string };
  /** On close, drop the connections left after this many ms (default: wait for them). */
  readonly closeGraceMs?: number;
  /** gRPC server options, e.g. message size limits. */
  readonly grpcOptions?: ChannelOptions;
  /** Who the server is, for messages: `the preview engine`. */
  readonly label: string;
}

/** A running server. */
export interface TritonServer {
  /** `host:port`, ready for a Triton client (IPv6 hosts in brackets). */
  readonly address: string;
  readonly port: number;
  /** `ModelStreamInfer` calls open now. */
  openStreams(): number;
  /** Stops taking calls (ready turns false, new inference answers UNAVAILABLE) and shuts down. */
  close(): Promise<void>;
  /** Drops every connection at once, as a crashed server would. */
  kill(): void;
}

const DECOUPLED_UNARY = "ModelInfer RPC doesn't support models with decoupled transaction policy";

function finalFlag(value: boolean) {
  return { [TRITON_FINAL_RESPONSE]: { bool_param: value } };
}

/**
 * Starts a gRPC server speaking Triton's `inference.GRPCInferenceService`: health, server and model
 * metadata, model config, unary inference and streams of many interleaved requests, with Triton's
 * messages for unknown models and unary calls to decoupled models. What the models do is the
 * caller's: the preview engine and the test server are both built on it.
 *
 * @example
 * ```ts
 * const server = await startTritonServer({
 *   label: 'a demo server',
 *   metadata: { name: 'demo', version: '1', extensions: [] },
 *   model: (name) => (name === 'echo' ? echoModel : undefined),
 * });
 * // new TritonClient({ address: server.address }) ...
 * await server.close();
 * ```
 *
 * @throws {Error} `Cannot start <label> on host:port: ...` when the port cannot be bound.
 */
export async function startTritonServer(options: TritonServerOptions): Promise<TritonServer> {
  const { host = '127.0.0.1', port = 0, label, onCall, onRequest } = options;
  const health = options.health ?? (() => ({ live: true, ready: true }));
  const statusOf = (error: unknown): { code: status; details: string } =>
    error instanceof RpcStatusError
      ? { code: error.code, details: error.details }
      : (options.statusOf?.(error) ?? {
          code: status.INTERNAL,
          details: error instanceof Error ? error.message : String(error),
        });
  let closing = false;
  const streams = new Set<StreamCall>();
  const unavailable = () => new RpcStatusError(status.UNAVAILABLE, `${label} is shutting down`);
  const lookup = (name: string, version = ''): ServedModel => {
    const found = options.model(name, version);
    if (!found) throw new RpcStatusError(status.NOT_FOUND, unknownModelMessage(name, version));
    return found;
  };

  const unary =
    <Req, Res>(rpc: string, handler: (request: Req) => Res | Promise<Res>) =>
    async (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      onCall?.(rpc);
      try {
        callback(null, await handler(call.request));
      } catch (error) {
        callback(statusOf(error));
      }
    };

  const handleStreamed = async (
    request: ModelInferRequest,
    send: StreamSend,
    signal: AbortSignal,
  ): Promise<void> => {
    onRequest?.(request);
    try {
      const model = lookup(request.model_name, request.model_version ?? '');
      if (model.stream) {
        await model.stream(request, send, signal);
      } else if (model.infer) {
        const response = await model.infer(request);
        await send({ infer_response: { ...response, parameters: finalFlag(true) } });
      } else {
        throw new RpcStatusError(status.UNIMPLEMENTED, `model '${request.model_name}' serves no inference`);
      }
    } catch (error) {
      if (signal.aborted) return;
      await send({
        error_message: statusOf(error).details,
        infer_response: {
          model_name: request.model_name,
          model_version: request.model_version ?? '',
          id: request.id ?? '',
          outputs: [],
        },
      });
    }
  };

  type ModelRequest = { name: string; version?: string };
  const implementation: UntypedServiceImplementation = {
    ServerLive: unary('ServerLive', () => ({ live: health().live })),
    ServerReady: unary('ServerReady', () => ({ ready: health().ready && !closing })),
    ServerMetadata: unary('ServerMetadata', () => options.metadata),
    ModelReady: unary('ModelReady', (r: ModelRequest) => ({
      ready: !closing && options.model(r.name, r.version ?? '') !== undefined,
    })),
    ModelMetadata: unary('ModelMetadata', (r: ModelRequest) => lookup(r.name, r.version).metadata()),
    ModelConfig: unary('ModelConfig', (r: ModelRequest) => ({ config: lookup(r.name, r.version).config() })),
    ModelInfer: unary('ModelInfer', (r: ModelInferRequest) => {
      onRequest?.(r);
      if (closing) throw unavailable();
      const model = lookup(r.model_name, r.model_version ?? '');
      if (!model.infer) throw new RpcStatusError(status.UNIMPLEMENTED, DECOUPLED_UNARY);
      return model.infer(r);
    }),
    ModelStreamInfer: (call: ServerDuplexStream<ModelInferRequest, ModelStreamInferResponse>) => {
      onCall?.('ModelStreamInfer.open');
      if (closing) {
        call.emit('error', { code: status.UNAVAILABLE, details: unavailable().details });
        return;
      }
      const stream = new StreamCall(call, handleStreamed);
      streams.add(stream);
      call.on('close', () => streams.delete(stream));
      call.on('finish', () => streams.delete(stream));
    },
  };

  const server = new Server(options.grpcOptions);
  server.addService(loadInferenceService(), implementation);
  const bindHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${bindHost}:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(new Error(`Cannot start ${label} on ${bindHost}:${port}: ${error.message}`))
        : resolve(bound),
    ),
  );

  let closed: Promise<void> | undefined;
  return {
    address: `${bindHost}:${boundPort}`,
    port: boundPort,
    openStreams: () => streams.size,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        if (options.closeStreams) {
          for (const stream of streams) {
            const { code, details } = options.closeStreams(stream.inFlight);
            stream.abort(code, details);
          }
          streams.clear();
        }
        const force =
          options.closeGraceMs === undefined
            ? undefined
            : setTimeout(() => server.forceShutdown(), options.closeGraceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
    kill: () => server.forceShutdown(),
  };
}
